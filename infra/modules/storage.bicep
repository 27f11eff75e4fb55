// The one storage account all instances share: Tables (every feature's data, claims,
// de-duplication) and Queues (digest deliveries). Keyless: shared-key access is off, and the bot's
// identity gets the two data roles it needs. The bot creates its tables and queue at start-up.

@minLength(3)
@maxLength(24)
@description('Storage account name: 3 to 24 lowercase letters and digits, unique in Azure.')
param name string

param location string

@description('Principal (object) id of the identity that reads and writes tables and queues.')
param principalId string

@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
])
param sku string = 'Standard_LRS'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  kind: 'StorageV2'
  sku: {
    name: sku
  }
  properties: {
    accessTier: 'Hot'
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowCrossTenantReplication: false
  }
}

// Storage Table Data Contributor: read, write and create tables and entities.
resource tableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3')
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Storage Queue Data Contributor: create the digest queue, send, receive and delete messages.
resource queueDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, '974c5e8b-45b9-4653-ba55-5f855dd0fb88')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '974c5e8b-45b9-4653-ba55-5f855dd0fb88')
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

output name string = storage.name
output tableEndpoint string = 'https://${storage.name}.table.${environment().suffixes.storage}'
output queueEndpoint string = 'https://${storage.name}.queue.${environment().suffixes.storage}'
