// Network Coach on Azure for tenants whose policy requires a single-tenant Entra app
// registration as the bot's identity (Azure Bot msaAppType SingleTenant). The app registration is
// created beforehand (see docs/deploy.md); its client secret is given at deployment time, goes
// straight into Key Vault, and the web app reads it through a Key Vault reference as its
// user-assigned managed identity. Storage stays keyless, through that identity's roles.
//
//   az deployment group create -g <group> -f infra/azure.singletenant.bicep \
//     -p infra/azure.singletenant.parameters.json -p appClientId=<client id> appClientSecret=<secret>

@maxLength(20)
@minLength(4)
@description('Used to generate names for all resources in this file.')
param resourceBaseName string

@maxLength(42)
param botDisplayName string

param location string = resourceGroup().location

@description('Application (client) id of the single-tenant app registration: the bot id.')
param appClientId string

@secure()
@description('Client secret of that app registration. Stored in Key Vault only.')
param appClientSecret string

@description('Entra tenant of that app registration.')
param appTenantId string = subscription().tenantId

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
param keyVaultName string = 'kv-${take(resourceBaseName, 12)}-${take(uniqueString(resourceGroup().id), 6)}'
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

module keyVault './modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    name: keyVaultName
    location: location
    principalId: identity.properties.principalId
    botClientSecret: appClientSecret
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
    value: 'SingleTenant'
  }
  {
    name: 'MICROSOFT_APP_ID'
    value: appClientId
  }
  {
    name: 'MICROSOFT_APP_PASSWORD'
    value: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.clientCredentialUri})'
  }
  {
    name: 'MICROSOFT_APP_TENANT_ID'
    value: appTenantId
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
module azureBotRegistration './botRegistration/azurebot-singletenant.bicep' = {
  name: 'Azure-Bot-registration'
  params: {
    botServiceName: botServiceName
    botDisplayName: botDisplayName
    appClientId: appClientId
    appTenantId: appTenantId
    botAppDomain: webApp.outputs.defaultHostName
  }
}

// Names as the Agents Toolkit writes them to env/.env.{envName}.
output BOT_AZURE_APP_SERVICE_RESOURCE_ID string = webApp.outputs.id
output BOT_DOMAIN string = webApp.outputs.defaultHostName
output BOT_ENDPOINT string = azureBotRegistration.outputs.messagingEndpoint
output BOT_ID string = appClientId
output BOT_TENANT_ID string = appTenantId
output KEY_VAULT_NAME string = keyVaultName
output WEB_APP_NAME string = webApp.outputs.name
output STORAGE_ACCOUNT_NAME string = storage.outputs.name
