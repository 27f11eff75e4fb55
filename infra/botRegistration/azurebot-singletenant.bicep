// The Azure Bot resource for tenants whose policy requires a single-tenant Entra app
// registration as the bot's identity. Its client secret never passes through here: the web app
// reads it from Key Vault (see ../azure.singletenant.bicep).

@maxLength(42)
@description('Name shown for the bot in Azure.')
param botDisplayName string

@description('Name of the Azure Bot resource.')
param botServiceName string

@allowed([
  'F0'
  'S1'
])
@description('F0 (free) covers Teams, a standard channel.')
param botServiceSku string = 'F0'

@description('Application (client) id of the single-tenant app registration: the bot id.')
param appClientId string

@description('Entra tenant of that app registration.')
param appTenantId string

@description('Host name of the web app that serves /api/messages.')
param botAppDomain string

resource botService 'Microsoft.BotService/botServices@2022-09-15' = {
  kind: 'azurebot'
  location: 'global'
  name: botServiceName
  sku: {
    name: botServiceSku
  }
  properties: {
    displayName: botDisplayName
    endpoint: 'https://${botAppDomain}/api/messages'
    msaAppType: 'SingleTenant'
    msaAppId: appClientId
    msaAppTenantId: appTenantId
  }
}

resource botServiceMsTeamsChannel 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: botService
  location: 'global'
  name: 'MsTeamsChannel'
  properties: {
    channelName: 'MsTeamsChannel'
  }
}

output botServiceName string = botService.name
output messagingEndpoint string = botService.properties.endpoint
