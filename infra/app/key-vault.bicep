// Key Vault (RBAC authorization) for the Databricks secret when DATABRICKS_AUTH is oauth-m2m (client secret) or pat
// (token). The app reads it through a Key Vault reference with its user-assigned identity.

param name string
param location string
param tags object
param secretName string
@secure()
param secretValue string
@description('principalId (not clientId) of the collector\'s user-assigned identity.')
param identityPrincipalId string

var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6' // Key Vault Secrets User

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

resource secret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: secretName
  properties: {
    value: secretValue
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identityPrincipalId, keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

@description('The app setting value: a Key Vault reference to the current version of the secret.')
output reference string = '@Microsoft.KeyVault(SecretUri=${secret.properties.secretUri})'
output name string = vault.name
