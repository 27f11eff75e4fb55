// App Service (Linux) running `node dist/main.js` from the bundle (`npm run bundle`), as the
// user-assigned identity. Several instances share one storage account, so any instance may take
// any request (no session affinity); the health check takes a failing instance out of rotation.

param planName string
param webAppName string
param location string

@allowed([
  'B1'
  'B2'
  'B3'
  'S1'
  'S2'
  'S3'
  'P0v3'
  'P1v3'
  'P2v3'
])
@description('App Service plan size. Always On needs Basic or above.')
param sku string

@minValue(1)
@maxValue(30)
@description('Instances the plan runs (scale-out).')
param instanceCount int

@allowed([
  'NODE|22-lts'
  'NODE|24-lts'
])
@description('Node LTS runtime.')
param linuxFxVersion string

@description('Resource id of the user-assigned managed identity the app runs as.')
param identityId string

@description('App settings: name/value pairs the bot reads (see .env.example).')
param appSettings array

@description('Log Analytics workspace that receives the app logs; empty = none.')
param logAnalyticsWorkspaceId string = ''

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  kind: 'linux'
  sku: {
    name: sku
    capacity: instanceCount
  }
  properties: {
    reserved: true
  }
}

resource webApp 'Microsoft.Web/sites@2024-04-01' = {
  name: webAppName
  location: location
  kind: 'app,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientAffinityEnabled: false
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      linuxFxVersion: linuxFxVersion
      appCommandLine: 'node dist/main.js'
      alwaysOn: true
      healthCheckPath: '/healthz'
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      appSettings: appSettings
    }
  }
}

// No FTP publishing with basic credentials either (deploys go through `az webapp deploy`).
resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: webApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (!empty(logAnalyticsWorkspaceId)) {
  name: 'app-logs'
  scope: webApp
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        category: 'AppServiceConsoleLogs'
        enabled: true
      }
      {
        category: 'AppServiceHTTPLogs'
        enabled: true
      }
      {
        category: 'AppServicePlatformLogs'
        enabled: true
      }
    ]
  }
}

output id string = webApp.id
output name string = webApp.name
output defaultHostName string = webApp.properties.defaultHostName
