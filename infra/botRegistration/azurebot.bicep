// The Azure Bot resource: registers the web app's /api/messages with the Bot Connector, under the
// user-assigned managed identity (no app registration, no client secret), and turns on Teams.

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

@description('Resource id of the user-assigned managed identity the bot is.')
param identityResourceId string

@description('Client id of that identity: the bot id (MICROSOFT_APP_ID).')
param identityClientId string

@description('Entra tenant of that identity.')
param identityTenantId string

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
    msaAppType: 'UserAssignedMSI'
    msaAppId: identityClientId
    msaAppMSIResourceId: identityResourceId
    msaAppTenantId: identityTenantId
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
