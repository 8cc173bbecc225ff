import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { readRepoFile, repoFilesUnder } from '../support/repo-files';

const main = readRepoFile('infra/main.bicep');
const allBicep = repoFilesUnder('infra', '.bicep').map((f) => ({ file: f, text: readRepoFile(f) }));

/** Built-in role definition ids (Azure docs "Azure built-in roles"), by role name. */
const ROLE_IDS: Readonly<Record<string, string>> = {
  'Storage Blob Data Owner': 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  'Storage Queue Data Contributor': '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  'Storage Table Data Contributor': '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  'Monitoring Metrics Publisher': '3913510d-42f4-4e42-8a64-420c390055eb',
  'Monitoring Data Reader': 'b0d8363b-8ddd-447d-831f-62ca05bff136',
  'Grafana Admin': '22926164-76b3-42b3-bc55-97df8dab3e41',
  'Key Vault Secrets User': '4633458b-17de-408a-b874-0445c86b69e6',
};

test('every role id is a named variable whose comment names the role it really is', () => {
  let found = 0;
  for (const { file, text } of allBicep) {
    for (const m of text.matchAll(/'([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})'(.*)$/gm)) {
      const role = /\/\/\s*(.+?)\s*$/.exec(m[2] ?? '')?.[1];
      assert.ok(role, `${file}: role id ${m[1]} has no comment naming the role`);
      assert.equal(ROLE_IDS[role], m[1], `${file}: ${m[1]} is not the id of ${role}`);
      found += 1;
    }
  }
  assert.ok(found >= 7, `found ${found} role ids`);
});

test('Monitoring Metrics Publisher is granted on the DCR (remote write) and App Insights, to the identity principalId', () => {
  const prometheus = readRepoFile('infra/app/prometheus.bicep');
  const dcrAssignment = /resource dcrPublisher 'Microsoft\.Authorization\/roleAssignments@[^']+' = \{([\s\S]*?)\n\}/.exec(prometheus)?.[1] ?? '';
  assert.match(dcrAssignment, /scope: dcr\n/);
  assert.match(dcrAssignment, /monitoringMetricsPublisher/);
  assert.match(dcrAssignment, /principalId: identityPrincipalId/);
  assert.match(main, /identityPrincipalId: identity\.outputs\.principalId/);
  assert.doesNotMatch(main, /identityPrincipalId: identity\.outputs\.clientId/, 'role assignments take the principalId, never the clientId');
  assert.match(readRepoFile('infra/app/rbac.bicep'), /scope: appInsights[\s\S]*monitoringMetricsPublisher/);
});

test('REMOTE_WRITE_URL is composed from the DCE ingestion endpoint and the DCR immutable id', () => {
  assert.match(
    readRepoFile('infra/app/prometheus.bicep'),
    /output remoteWriteUrl string = '\$\{dce\.properties\.metricsIngestion\.endpoint\}\/dataCollectionRules\/\$\{dcr\.properties\.immutableId\}\/streams\/Microsoft-PrometheusMetrics\/api\/v1\/write\?api-version=2023-04-24'/,
  );
  assert.match(readRepoFile('infra/app/prometheus.bicep'), /streams: \['Microsoft-PrometheusMetrics'\]/);
});

test('storage has shared keys and public blob access off; identity-based AzureWebJobsStorage settings', () => {
  assert.match(main, /allowSharedKeyAccess: false/);
  assert.match(main, /allowBlobPublicAccess: false/);
  assert.doesNotMatch(main, /AccountKey|listKeys\(/, 'no storage key anywhere');
  for (const s of ['credential', 'clientId', 'blobServiceUri', 'queueServiceUri', 'tableServiceUri']) assert.match(main, new RegExp(`AzureWebJobsStorage__${s}:`));
  assert.match(main, /AzureWebJobsStorage__credential: 'managedidentity'/);
  assert.match(main, /\{ name: stateContainerName \}/);
  assert.match(main, /stateContainerName = 'lakepulse-state'/);
  assert.match(main, /collectQueueName = 'lakepulse-collect'/);
  assert.match(main, /\{ name: '\$\{collectQueueName\}-poison' \}/);
});

test('App Insights has local auth off; the function app is FC1, Node 20, with identity-based deployment storage', () => {
  assert.match(main, /disableLocalAuth: true/);
  assert.match(main, /name: 'FC1'\n\s*tier: 'FlexConsumption'/);
  const app = readRepoFile('infra/app/function-app.bicep');
  assert.match(app, /runtime: \{\n\s*name: 'node'\n\s*version: '20'/);
  assert.match(app, /type: 'UserAssignedIdentity'/);
  assert.match(app, /instanceMemoryMB: instanceMemoryMB/);
  assert.match(app, /maximumInstanceCount: maximumInstanceCount/);
  assert.match(app, /keyVaultReferenceIdentity: identityId/);
  assert.doesNotMatch(main + app, /FUNCTIONS_WORKER_RUNTIME|AZURE_CLIENT_SECRET/, 'Flex rejects FUNCTIONS_WORKER_RUNTIME; a client secret would beat the managed identity');
  assert.match(readRepoFile('infra/app/key-vault.bicep'), /enableRbacAuthorization: true/);
});

test('every br/public module is pinned to an exact version', () => {
  let modules = 0;
  for (const { file, text } of allBicep) {
    for (const m of text.matchAll(/'br\/public:([^']+)'/g)) {
      modules += 1;
      assert.match(m[1]!, /^avm\/res\/[a-z0-9-]+\/[a-z0-9-]+:\d+\.\d+\.\d+$/, `${file}: ${m[1]} is not pinned`);
    }
  }
  assert.ok(modules >= 5);
});

test('main.parameters.json sets exactly the params of main.bicep, with azd substitutions', () => {
  const params = [...main.matchAll(/^param (\w+) /gm)].map((m) => m[1]).sort();
  const file = JSON.parse(readRepoFile('infra/main.parameters.json')) as { parameters: Record<string, { value: unknown }> };
  assert.deepEqual(Object.keys(file.parameters).sort(), params);
  assert.equal(file.parameters.environmentName?.value, '${AZURE_ENV_NAME}');
  assert.equal(file.parameters.location?.value, '${AZURE_LOCATION}');
  assert.equal(file.parameters.principalId?.value, '${AZURE_PRINCIPAL_ID}');
});

test("the function app's azd-service-name tag is azure.yaml's one function service", () => {
  const azure = parse(readRepoFile('azure.yaml')) as { services: Record<string, { host: string; language: string; project: string }> };
  const names = Object.keys(azure.services);
  assert.equal(names.length, 1);
  assert.equal(azure.services[names[0]!]?.host, 'function');
  assert.equal(azure.services[names[0]!]?.language, 'ts');
  assert.match(readRepoFile('infra/app/function-app.bicep'), /'azd-service-name': serviceName/);
  assert.equal(/var serviceName = '([^']+)'/.exec(main)?.[1], names[0]);
  assert.match(main, new RegExp(`output SERVICE_${names[0]!.toUpperCase()}_NAME string`));
});

test('outputs: function app name, REMOTE_WRITE_URL, the PromQL query endpoint, the Grafana URL', () => {
  for (const o of ['AZURE_FUNCTION_NAME', 'REMOTE_WRITE_URL', 'PROMETHEUS_QUERY_URL', 'GRAFANA_URL']) assert.match(main, new RegExp(`^output ${o} string`, 'm'));
});
