// Optional Azure Managed Grafana with the Azure Monitor workspace integrated (Prometheus data source), Monitoring
// Data Reader on the workspace for Grafana's identity, and Grafana Admin for the deploying user.

param name string
param location string
param tags object
param workspaceName string
@description('Object id of the user made Grafana Admin; empty for none.')
param adminPrincipalId string
param adminPrincipalType string

var monitoringDataReader = 'b0d8363b-8ddd-447d-831f-62ca05bff136' // Monitoring Data Reader
var grafanaAdmin = '22926164-76b3-42b3-bc55-97df8dab3e41' // Grafana Admin

resource workspace 'Microsoft.Monitor/accounts@2023-04-03' existing = {
  name: workspaceName
}

resource grafana 'Microsoft.Dashboard/grafana@2024-10-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
  }
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    publicNetworkAccess: 'Enabled'
    zoneRedundancy: 'Disabled'
    apiKey: 'Disabled'
    deterministicOutboundIP: 'Disabled'
    grafanaIntegrations: {
      azureMonitorWorkspaceIntegrations: [
        {
          azureMonitorWorkspaceResourceId: workspace.id
        }
      ]
    }
  }
}

resource grafanaReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(workspace.id, grafana.id, monitoringDataReader)
  scope: workspace
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringDataReader)
    principalId: grafana.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource adminAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(adminPrincipalId)) {
  name: guid(grafana.id, adminPrincipalId, grafanaAdmin)
  scope: grafana
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', grafanaAdmin)
    principalId: adminPrincipalId
    principalType: adminPrincipalType
  }
}

output endpoint string = grafana.properties.endpoint
output name string = grafana.name
