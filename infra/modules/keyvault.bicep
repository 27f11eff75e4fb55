// Key Vault for the single-tenant variant: holds the app registration's client secret, which the
// web app reads through a Key Vault reference as its identity. Access is Azure RBAC only (no
// access policies); the identity may read secrets and nothing else.

@minLength(3)
@maxLength(24)
param name string

param location string

@description('Principal (object) id of the identity that reads the secret.')
param principalId string

@secure()
@description('Client secret of the bot app registration.')
param botClientSecret string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
  }
}

resource botSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'bot-client-secret'
  properties: {
    value: botClientSecret
    contentType: 'client secret of the bot app registration'
  }
}

// Key Vault Secrets User: read secret values.
resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, '4633458b-17de-408a-b874-0445c86b69e6')
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Without a version, so App Service picks up a rotated secret on its own.
output clientCredentialUri string = botSecret.properties.secretUri
