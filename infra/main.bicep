// Lakepulse on Azure Functions Flex Consumption, deployed with `azd up`.
// Modelled on Azure-Samples/functions-quickstart-typescript-azd: one user-assigned identity used by everything,
// storage without shared keys, App Insights with local auth off, pinned Azure Verified Modules; plus an Azure Monitor
// workspace with its own DCE/DCR for remote write, the alert rules, an optional Key Vault and optional Managed Grafana.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names the resource group and seeds the resource names.')
param environmentName string

@minLength(1)
@description('Region of every resource (one that offers Flex Consumption and Azure Monitor workspaces).')
@allowed([
  'australiaeast'
  'brazilsouth'
  'canadacentral'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'francecentral'
  'germanywestcentral'
  'italynorth'
  'japaneast'
  'koreacentral'
  'northcentralus'
  'northeurope'
  'norwayeast'
  'southafricanorth'
  'southcentralus'
  'southeastasia'
  'spaincentral'
  'swedencentral'
  'uaenorth'
  'uksouth'
  'westcentralus'
  'westeurope'
  'westus2'
  'westus3'
])
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the deploying user (Monitoring Data Reader on the workspace, Grafana Admin); empty for none.')
param principalId string = deployer().objectId

@description('Type of principalId: User for a person, ServicePrincipal for a CI identity.')
@allowed(['User', 'ServicePrincipal', 'Group'])
param principalType string = 'User'

// ---- Databricks (leave the host empty to collect Synapse only)
@description('DATABRICKS_SERVER_HOSTNAME, e.g. adb-1234567890123456.7.azuredatabricks.net; empty disables the source.')
param databricksServerHostname string = ''

@description('DATABRICKS_HTTP_PATH of the SQL warehouse, e.g. /sql/1.0/warehouses/abcdef1234567890.')
param databricksHttpPath string = ''

@description('DATABRICKS_AUTH: azure (the managed identity, added to the workspace as a service principal), oauth-m2m or pat.')
@allowed(['azure', 'oauth-m2m', 'pat'])
param databricksAuth string = 'azure'

@description('DATABRICKS_CLIENT_ID for oauth-m2m (a Databricks service principal\'s application id).')
param databricksClientId string = ''

@secure()
@description('The oauth-m2m client secret or the pat token; stored in Key Vault, never in an app setting.')
param databricksSecret string = ''

// ---- Synapse
@description('SYNAPSE_WORKSPACES: comma-separated workspace names; empty disables the source.')
param synapseWorkspaces string = ''

// ---- Runtime
@description('DATABRICKS_SCHEDULE (NCRONTAB, UTC). The dashboards bridge gaps of up to 10 minutes.')
param databricksSchedule string = '0 */5 * * * *'

@description('SYNAPSE_SCHEDULE (NCRONTAB, UTC).')
param synapseSchedule string = '0 * * * * *'

@description('FANOUT: empty (each timer collects itself) or queue (timers plan messages on lakepulse-collect).')
@allowed(['', 'queue'])
param fanout string = ''

@description('SYNAPSE_APPS_PER_MESSAGE with FANOUT=queue.')
@minValue(1)
param synapseAppsPerMessage int = 50

@description('LAKEPULSE_LOG_LEVEL; empty for the built-in default.')
param logLevel string = ''

@description('LAKEPULSE_LOG_FORMAT; empty for the built-in default.')
param logFormat string = ''

@description('Value of the cluster label in EXTERNAL_LABELS (region=<location> is added too); default the environment name.')
param clusterLabel string = ''

@description('More app settings (tunables such as DATABRICKS_SLA_SECONDS), merged over the ones above.')
param extraAppSettings object = {}

@description('Flex Consumption instance memory (MB).')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Flex Consumption maximum instance count (per function; minimum 40).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

// ---- Dashboards and alerts
@description('Deploy Azure Managed Grafana with the Azure Monitor workspace as its Prometheus data source.')
param deployGrafana bool = false

@description('E-mail address the alerts are sent to; empty for none.')
param alertEmail string = ''

@description('Resource id of an existing action group the alerts go to; empty for none.')
param alertActionGroupId string = ''

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
// Must equal the service name in azure.yaml (test/infra/structure.test.ts checks it).
var serviceName = 'lakepulse'
var functionAppName = '${abbrs.webSitesFunctions}lakepulse-${resourceToken}'
var storageAccountName = '${abbrs.storageStorageAccounts}${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(toLower(uniqueString(functionAppName, resourceToken)), 7)}'
var stateContainerName = 'lakepulse-state'
var collectQueueName = 'lakepulse-collect'
var usesKeyVault = databricksAuth != 'azure' && !empty(databricksServerHostname)
var secretSettingName = databricksAuth == 'pat' ? 'DATABRICKS_TOKEN' : 'DATABRICKS_CLIENT_SECRET'
var blobEndpoint = 'https://${storageAccountName}.blob.${environment().suffixes.storage}/'

resource rg 'Microsoft.Resources/resourceGroups@2021-04-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'br/public:avm/res/managed-identity/user-assigned-identity:0.4.1' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}lakepulse-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'br/public:avm/res/storage/storage-account:0.8.3' = {
  name: 'storage'
  scope: rg
  params: {
    name: storageAccountName
    location: location
    tags: tags
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false // identity only: AzureWebJobsStorage__credential=managedidentity
    dnsEndpointType: 'Standard'
    minimumTlsVersion: 'TLS1_2'
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
    blobServices: {
      containers: [
        { name: deploymentContainerName } // the deployment package (functionAppConfig.deployment)
        { name: stateContainerName } // STATE_STORE: stale-marker sets, cached results, undelivered samples
        { name: 'azure-webjobs-hosts' } // timer schedule status and the singleton lease
      ]
    }
    queueServices: {
      queues: [
        { name: collectQueueName } // FANOUT=queue work items
        { name: '${collectQueueName}-poison' } // messages that failed maxDequeueCount times
      ]
    }
  }
}

module plan 'br/public:avm/res/web/serverfarm:0.1.1' = {
  name: 'plan'
  scope: rg
  params: {
    name: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    sku: {
      name: 'FC1'
      tier: 'FlexConsumption'
    }
    reserved: true
  }
}

module logAnalytics 'br/public:avm/res/operational-insights/workspace:0.11.1' = {
  name: 'logAnalytics'
  scope: rg
  params: {
    name: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    location: location
    tags: tags
    dataRetention: 30
  }
}

module appInsights 'br/public:avm/res/insights/component:0.6.0' = {
  name: 'appInsights'
  scope: rg
  params: {
    name: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
    workspaceResourceId: logAnalytics.outputs.resourceId
    disableLocalAuth: true // telemetry only with Entra tokens (APPLICATIONINSIGHTS_AUTHENTICATION_STRING)
  }
}

module prometheus 'app/prometheus.bicep' = {
  name: 'prometheus'
  scope: rg
  params: {
    workspaceName: '${abbrs.monitorAccounts}${resourceToken}'
    dceName: '${abbrs.insightsDataCollectionEndpoints}${resourceToken}'
    dcrName: '${abbrs.insightsDataCollectionRules}${resourceToken}'
    actionGroupName: '${abbrs.insightsActionGroups}lakepulse-${resourceToken}'
    location: location
    tags: tags
    identityPrincipalId: identity.outputs.principalId
    readerPrincipalId: principalId
    readerPrincipalType: principalType
    alertEmail: alertEmail
    alertActionGroupId: alertActionGroupId
  }
}

module keyVault 'app/key-vault.bicep' = if (usesKeyVault) {
  name: 'keyVault'
  scope: rg
  params: {
    name: '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: tags
    secretName: databricksAuth == 'pat' ? 'databricks-token' : 'databricks-client-secret'
    secretValue: databricksSecret
    identityPrincipalId: identity.outputs.principalId
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    appInsightsName: appInsights.outputs.name
    identityPrincipalId: identity.outputs.principalId
  }
}

module grafana 'app/grafana.bicep' = if (deployGrafana) {
  name: 'grafana'
  scope: rg
  params: {
    name: '${abbrs.dashboardGrafana}${resourceToken}'
    location: location
    tags: tags
    workspaceName: prometheus.outputs.workspaceName
    adminPrincipalId: principalId
    adminPrincipalType: principalType
  }
}

var storageSettings = {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identity.outputs.clientId
  AzureWebJobsStorage__blobServiceUri: 'https://${storageAccountName}.blob.${environment().suffixes.storage}'
  AzureWebJobsStorage__queueServiceUri: 'https://${storageAccountName}.queue.${environment().suffixes.storage}'
  AzureWebJobsStorage__tableServiceUri: 'https://${storageAccountName}.table.${environment().suffixes.storage}'
}

var telemetrySettings = {
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.outputs.connectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.outputs.clientId};Authorization=AAD'
}

var lakepulseSettings = {
  AZURE_CLIENT_ID: identity.outputs.clientId
  REMOTE_WRITE_URL: prometheus.outputs.remoteWriteUrl
  PROMETHEUS_QUERY_URL: prometheus.outputs.queryEndpoint
  EXTERNAL_LABELS: 'cluster=${empty(clusterLabel) ? environmentName : clusterLabel},region=${location}'
  STATE_STORE: '${blobEndpoint}${stateContainerName}'
  DATABRICKS_SCHEDULE: databricksSchedule
  SYNAPSE_SCHEDULE: synapseSchedule
  SYNAPSE_APPS_PER_MESSAGE: string(synapseAppsPerMessage)
}

var databricksSettings = empty(databricksServerHostname) ? {} : union(
  {
    DATABRICKS_SERVER_HOSTNAME: databricksServerHostname
    DATABRICKS_HTTP_PATH: databricksHttpPath
    DATABRICKS_AUTH: databricksAuth
  },
  databricksAuth == 'oauth-m2m' ? { DATABRICKS_CLIENT_ID: databricksClientId } : {}
)

var optionalSettings = union(
  empty(synapseWorkspaces) ? {} : { SYNAPSE_WORKSPACES: synapseWorkspaces },
  empty(fanout) ? {} : { FANOUT: fanout },
  empty(logLevel) ? {} : { LAKEPULSE_LOG_LEVEL: logLevel },
  empty(logFormat) ? {} : { LAKEPULSE_LOG_FORMAT: logFormat }
)

module app 'app/function-app.bicep' = {
  name: 'functionApp'
  scope: rg
  dependsOn: [rbac]
  params: {
    name: functionAppName
    location: location
    tags: tags
    serviceName: serviceName
    planId: plan.outputs.resourceId
    identityId: identity.outputs.resourceId
    deploymentStorageUrl: '${blobEndpoint}${deploymentContainerName}'
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    appSettings: union(
      storageSettings,
      telemetrySettings,
      lakepulseSettings,
      databricksSettings,
      usesKeyVault ? { '${secretSettingName}': keyVault!.outputs.reference } : {},
      optionalSettings,
      extraAppSettings
    )
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_NAME string = app.outputs.name
output SERVICE_LAKEPULSE_NAME string = app.outputs.name
output AZURE_CLIENT_ID string = identity.outputs.clientId
output AZURE_PRINCIPAL_ID_COLLECTOR string = identity.outputs.principalId
output REMOTE_WRITE_URL string = prometheus.outputs.remoteWriteUrl
output PROMETHEUS_QUERY_URL string = prometheus.outputs.queryEndpoint
output AZURE_MONITOR_WORKSPACE_ID string = prometheus.outputs.workspaceId
output APPLICATIONINSIGHTS_CONNECTION_STRING string = appInsights.outputs.connectionString
output GRAFANA_URL string = deployGrafana ? grafana!.outputs.endpoint : ''
