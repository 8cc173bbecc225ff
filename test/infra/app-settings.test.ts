import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readRepoFile, repoFilesUnder } from '../support/repo-files';

/**
 * The app settings infra/main.bicep sets must cover every setting the code reads, except these, which infra leaves
 * unset on purpose (README "Deploy to Azure" lists them too). Tunables keep their built-in defaults; set them with
 * the `extraAppSettings` parameter.
 */
export const NOT_SET_BY_INFRA: ReadonlyArray<{ name: RegExp; why: string }> = [
  { name: /^REMOTE_WRITE_AUTH$/, why: 'derived from the host: azure for *.ingest.monitor.azure.com' },
  { name: /^REMOTE_WRITE_(BEARER_TOKEN|USERNAME|PASSWORD)$/, why: 'other receivers only; Azure uses the managed identity' },
  { name: /^REMOTE_WRITE_(MAX_SAMPLES_PER_REQUEST|MAX_BYTES_PER_REQUEST|TIMEOUT_MS|MAX_RETRY_MS|SEND_METADATA)$/, why: 'tunable with a default' },
  { name: /^PROMETHEUS_QUERY_(AUTH|BEARER_TOKEN|USERNAME|PASSWORD|TIMEOUT_MS)$/, why: 'derived from the host (azure for *.prometheus.monitor.azure.com), or tunable with a default' },
  { name: /^LAKEPULSE_INSTANCE$/, why: 'defaults to the Function App name (WEBSITE_SITE_NAME)' },
  { name: /^WEBSITE_SITE_NAME$/, why: 'set by the Functions platform' },
  { name: /^LAKEPULSE_CYCLE_BUDGET_MS$/, why: 'tunable with a default' },
  { name: /^DATABRICKS_(PORT|CA_CERT)$/, why: 'for non-standard endpoints and the local emulator only' },
  { name: /^DATABRICKS_CATALOG$/, why: 'tunable with a default (system)' },
  { name: /^DATABRICKS_(BILLING|JOBS|PIPELINES|QUERIES|PRICE_CHANGE)_(WINDOW|REFRESH)_(DAYS|HOURS|MINUTES)$/, why: 'tunable with a default' },
  { name: /^DATABRICKS_(SLA_SECONDS|COLD_START_DEADLINE_SECONDS|STATEMENT_TIMEOUT_SECONDS|TABLE_RECHECK_CYCLES)$/, why: 'tunable with a default' },
  { name: /^SYNAPSE_(CONCURRENCY|REQUEST_TIMEOUT_MS|CYCLE_BUDGET_MS|MAX_PAGES|API_VERSION)$/, why: 'tunable with a default' },
  { name: /^(IDENTITY_ENDPOINT|IDENTITY_HEADER|AZURE_TENANT_ID)$/, why: 'set by the platform / @azure/identity' },
];

/** Setting names the code reads: EnvReader calls (`reader.string('X')`, `positiveInt('X', ...)`, ...), `env.X`, `%X%`. */
export function settingsReadByCode(): Set<string> {
  const names = new Set<string>();
  // EnvReader's readers, from lib/env.ts itself, so a new reader method is picked up.
  const readers = [...readRepoFile('lib/env.ts').matchAll(/^ {2}([a-zA-Z]+)(?:<[^>]*>)?\(name: string/gm)].map((m) => m[1]!);
  assert.ok(readers.includes('string') && readers.includes('positiveInt'), `EnvReader methods: ${readers.join(', ')}`);
  const readerCall = new RegExp(`\\.(?:${[...new Set(readers)].join('|')})\\(\\s*'([A-Z][A-Z0-9_]+)'`, 'g');
  const files = [...repoFilesUnder('lib', '.ts').filter((f) => !f.startsWith('lib/emulators/')), ...repoFilesUnder('functions', '.ts')];
  for (const file of files) {
    const text = readRepoFile(file);
    for (const m of text.matchAll(readerCall)) names.add(m[1]!);
    for (const m of text.matchAll(/\benv(?:\.|\[')([A-Z][A-Z0-9_]+)/g)) names.add(m[1]!);
    for (const m of text.matchAll(/'%([A-Z][A-Z0-9_]+)%'/g)) names.add(m[1]!);
  }
  return names;
}

/** App-setting names infra/main.bicep sets (keys of the settings objects, plus the Key Vault-backed secret name). */
export function settingsSetByInfra(): Set<string> {
  const main = readRepoFile('infra/main.bicep');
  const start = main.indexOf('var storageSettings');
  const end = main.indexOf("module app 'app/function-app.bicep'");
  assert.ok(start > 0 && end > start, 'main.bicep has its settings block before the function app module');
  const names = new Set<string>();
  for (const m of main.slice(start, end).matchAll(/[{\s]([A-Z][A-Za-z0-9_]*):\s/g)) names.add(m[1]!);
  for (const m of /var secretSettingName = [^\n]*/.exec(main)?.[0].matchAll(/'([A-Z][A-Z0-9_]+)'/g) ?? []) names.add(m[1]!);
  return names;
}

test('the code reads settings this test can see (the grep is not silently empty)', () => {
  const read = settingsReadByCode();
  for (const n of ['REMOTE_WRITE_URL', 'STATE_STORE', 'DATABRICKS_SERVER_HOSTNAME', 'SYNAPSE_WORKSPACES', 'EXTERNAL_LABELS', 'AZURE_CLIENT_ID', 'DATABRICKS_SCHEDULE']) {
    assert.ok(read.has(n), `${n} found in lib/ or functions/`);
  }
});

test('infra sets every setting the code reads, except the documented allow-list', () => {
  const set = settingsSetByInfra();
  const missing = [...settingsReadByCode()].filter((n) => !set.has(n) && !NOT_SET_BY_INFRA.some((a) => a.name.test(n)));
  assert.deepEqual(missing, [], `settings read by the code but neither set by infra/main.bicep nor in NOT_SET_BY_INFRA: ${missing.join(', ')}`);
});

test('infra sets the identity, storage, telemetry and runtime settings the deployment depends on', () => {
  const set = settingsSetByInfra();
  for (const n of [
    'AZURE_CLIENT_ID', 'AzureWebJobsStorage__credential', 'AzureWebJobsStorage__clientId', 'AzureWebJobsStorage__blobServiceUri',
    'AzureWebJobsStorage__queueServiceUri', 'AzureWebJobsStorage__tableServiceUri', 'APPLICATIONINSIGHTS_CONNECTION_STRING',
    'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', 'REMOTE_WRITE_URL', 'PROMETHEUS_QUERY_URL', 'EXTERNAL_LABELS', 'STATE_STORE',
    'DATABRICKS_SCHEDULE', 'SYNAPSE_SCHEDULE', 'DATABRICKS_SERVER_HOSTNAME', 'DATABRICKS_HTTP_PATH', 'DATABRICKS_AUTH',
    'DATABRICKS_CLIENT_ID', 'DATABRICKS_CLIENT_SECRET', 'DATABRICKS_TOKEN', 'SYNAPSE_WORKSPACES', 'FANOUT', 'SYNAPSE_APPS_PER_MESSAGE',
    'LAKEPULSE_LOG_LEVEL', 'LAKEPULSE_LOG_FORMAT',
  ]) {
    assert.ok(set.has(n), `infra/main.bicep sets ${n}`);
  }
});

test('every Lakepulse setting infra sets is documented in the README', () => {
  const readme = readRepoFile('README.md');
  const platform = /^(AzureWebJobsStorage__|APPLICATIONINSIGHTS_)/;
  const undocumented = [...settingsSetByInfra()].filter((n) => !platform.test(n) && !readme.includes(`\`${n}\``));
  assert.deepEqual(undocumented, []);
});
