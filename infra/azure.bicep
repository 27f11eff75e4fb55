// Network Coach on Azure, keyless: the bot IS a user-assigned managed identity (Azure Bot
// msaAppType UserAssignedMSI), which also reads and writes storage through Entra roles. No client
// secret, no storage key, in app settings or anywhere else.
// For tenants that must use a single-tenant app registration instead: azure.singletenant.bicep.
//
//   az deployment group create -g <group> -f infra/azure.bicep -p infra/azure.parameters.json
//
// Layout as the Microsoft 365 Agents Toolkit lays it out: this file, azure.parameters.json,
// botRegistration/, modules/.

@maxLength(20)
@minLength(4)
@description('Used to generate names for all resources in this file.')
param resourceBaseName string

@maxLength(42)
param botDisplayName string

param location string = resourceGroup().location

@description('App Service plan size (B1 or above: Always On).')
param webAppSku string = 'B1'

@minValue(1)
@maxValue(30)
@description('Instances of the bot (scale-out). They share storage; see docs/deploy.md.')
param instanceCount int = 1

@allowed([
  'NODE|22-lts'
  'NODE|24-lts'
])
param linuxFxVersion string = 'NODE|22-lts'

@description('Comma-separated Entra tenant ids the bot answers (ALLOWED_TENANTS). Default: this tenant only.')
param allowedTenants string = subscription().tenantId

@description('Prefix of every table and queue name (STORAGE_TABLE_PREFIX).')
param storageTablePrefix string = 'coach'

@allowed([
  'debug'
  'info'
  'warn'
  'error'
])
param logLevel string = 'info'

@description('Log Analytics and Application Insights.')
param enableMonitoring bool = true

param serverfarmsName string = resourceBaseName
param webAppName string = '${resourceBaseName}-${uniqueString(resourceGroup().id)}'
param identityName string = resourceBaseName
@description('Azure Bot names are unique across Azure: hence the suffix.')
param botServiceName string = '${resourceBaseName}-${uniqueString(resourceGroup().id)}'
param storageAccountName string = 'st${take(toLower(replace(resourceBaseName, '-', '')), 10)}${uniqueString(resourceGroup().id)}'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  location: location
  name: identityName
}

module storage './modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: take(storageAccountName, 24)
    location: location
    principalId: identity.properties.principalId
  }
}

module monitoring './modules/monitoring.bicep' = if (enableMonitoring) {
  name: 'monitoring'
  params: {
    name: resourceBaseName
    location: location
  }
}

// The settings src/config.ts reads (documented in .env.example), plus two for App Service itself.
var botSettings = [
  {
    name: 'NODE_ENV'
    value: 'production'
  }
  {
    name: 'LOG_LEVEL'
    value: logLevel
  }
  {
    name: 'MICROSOFT_APP_TYPE'
    value: 'UserAssignedMSI'
  }
  {
    name: 'MICROSOFT_APP_ID'
    value: identity.properties.clientId
  }
  {
    name: 'MICROSOFT_APP_TENANT_ID'
    value: identity.properties.tenantId
  }
  {
    name: 'ALLOWED_TENANTS'
    value: allowedTenants
  }
  {
    name: 'STORAGE_ACCOUNT_URL'
    value: storage.outputs.tableEndpoint
  }
  {
    name: 'STORAGE_QUEUE_URL'
    value: storage.outputs.queueEndpoint
  }
  {
    name: 'STORAGE_IDENTITY_CLIENT_ID'
    value: identity.properties.clientId
  }
  {
    name: 'STORAGE_TABLE_PREFIX'
    value: storageTablePrefix
  }
  {
    name: 'SCM_DO_BUILD_DURING_DEPLOYMENT'
    value: 'false'
  }
]

// Read by App Service's Application Insights agent, not by the bot.
var monitoringSettings = enableMonitoring ? [
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
    value: monitoring.outputs.appInsightsConnectionString
  }
  {
    name: 'ApplicationInsightsAgent_EXTENSION_VERSION'
    value: '~3'
  }
] : []

module webApp './modules/webapp.bicep' = {
  name: 'webapp'
  params: {
    planName: serverfarmsName
    webAppName: webAppName
    location: location
    sku: webAppSku
    instanceCount: instanceCount
    linuxFxVersion: linuxFxVersion
    identityId: identity.id
    appSettings: concat(botSettings, monitoringSettings)
    logAnalyticsWorkspaceId: enableMonitoring ? monitoring.outputs.workspaceId : ''
  }
}

// Register your web service as a bot with the Bot Framework
module azureBotRegistration './botRegistration/azurebot.bicep' = {
  name: 'Azure-Bot-registration'
  params: {
    botServiceName: botServiceName
    botDisplayName: botDisplayName
    identityClientId: identity.properties.clientId
    identityResourceId: identity.id
    identityTenantId: identity.properties.tenantId
    botAppDomain: webApp.outputs.defaultHostName
  }
}

// Names as the Agents Toolkit writes them to env/.env.{envName}.
output BOT_AZURE_APP_SERVICE_RESOURCE_ID string = webApp.outputs.id
output BOT_DOMAIN string = webApp.outputs.defaultHostName
output BOT_ENDPOINT string = azureBotRegistration.outputs.messagingEndpoint
output BOT_ID string = identity.properties.clientId
output BOT_TENANT_ID string = identity.properties.tenantId
output WEB_APP_NAME string = webApp.outputs.name
output STORAGE_ACCOUNT_NAME string = storage.outputs.name
