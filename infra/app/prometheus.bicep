// Azure Monitor workspace (managed Prometheus), its own data collection endpoint and rule for remote write, the
// Monitoring Metrics Publisher role ON THE DCR for the collector's identity, and the alert rules generated from
// alerts/lakepulse.rules.yml.

param workspaceName string
param dceName string
param dcrName string
param actionGroupName string
param location string
param tags object
@description('principalId (not clientId) of the collector\'s user-assigned identity.')
param identityPrincipalId string
@description('Object id of the deploying user, given Monitoring Data Reader for `lakepulse query|verify|report`; empty for none.')
param readerPrincipalId string
param readerPrincipalType string
@description('E-mail address alerts are sent to; empty for none.')
param alertEmail string
@description('Resource id of an existing action group alerts go to as well; empty for none.')
param alertActionGroupId string

var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb' // Monitoring Metrics Publisher
var monitoringDataReader = 'b0d8363b-8ddd-447d-831f-62ca05bff136' // Monitoring Data Reader

resource workspace 'Microsoft.Monitor/accounts@2023-04-03' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {}
}

resource dce 'Microsoft.Insights/dataCollectionEndpoints@2022-06-01' = {
  name: dceName
  location: location
  tags: tags
  kind: 'Linux'
  properties: {
    networkAcls: {
      publicNetworkAccess: 'Enabled'
    }
  }
}

resource dcr 'Microsoft.Insights/dataCollectionRules@2022-06-01' = {
  name: dcrName
  location: location
  tags: tags
  kind: 'Linux'
  properties: {
    dataCollectionEndpointId: dce.id
    dataSources: {
      prometheusForwarder: [
        {
          name: 'PrometheusDataSource'
          streams: ['Microsoft-PrometheusMetrics']
          labelIncludeFilter: {}
        }
      ]
    }
    destinations: {
      monitoringAccounts: [
        {
          accountResourceId: workspace.id
          name: 'MonitoringAccount1'
        }
      ]
    }
    dataFlows: [
      {
        streams: ['Microsoft-PrometheusMetrics']
        destinations: ['MonitoringAccount1']
      }
    ]
  }
}

// Remote write is authorised by this role on the DCR named in the URL (not on the workspace, not on App Insights).
// It takes about 30 minutes to propagate; until then the ingestion endpoint answers 403.
resource dcrPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(dcr.id, identityPrincipalId, monitoringMetricsPublisher)
  scope: dcr
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource readerAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(readerPrincipalId)) {
  name: guid(workspace.id, readerPrincipalId, monitoringDataReader)
  scope: workspace
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringDataReader)
    principalId: readerPrincipalId
    principalType: readerPrincipalType
  }
}

resource emailGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'lakepulse'
    enabled: true
    emailReceivers: [
      {
        name: 'lakepulse-email'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

var actionGroupIds = concat(empty(alertEmail) ? [] : [resourceId('Microsoft.Insights/actionGroups', actionGroupName)], empty(alertActionGroupId) ? [] : [alertActionGroupId])
// emailGroup is named, not referenced, so the expression stays valid when it is not deployed.
var actions = map(actionGroupIds, id => { actionGroupId: id })

// Generated from alerts/lakepulse.rules.yml by `npm run alerts:azure` (a test keeps the two equal).
var ruleGroups = loadJsonContent('alert-rules.json')

resource alertRuleGroups 'Microsoft.AlertsManagement/prometheusRuleGroups@2023-03-01' = [for group in ruleGroups: {
  name: '${group.name}-${workspaceName}'
  location: location
  tags: tags
  dependsOn: [emailGroup]
  properties: {
    description: 'Lakepulse ${group.name} alerts, generated from alerts/lakepulse.rules.yml'
    scopes: [workspace.id]
    enabled: true
    interval: group.interval
    rules: map(group.rules, rule => union(rule, { actions: actions }))
  }
}]

output workspaceId string = workspace.id
output workspaceName string = workspace.name
output queryEndpoint string = workspace.properties.metrics.prometheusQueryEndpoint
output remoteWriteUrl string = '${dce.properties.metricsIngestion.endpoint}/dataCollectionRules/${dcr.properties.immutableId}/streams/Microsoft-PrometheusMetrics/api/v1/write?api-version=2023-04-24'
output dcrId string = dcr.id
