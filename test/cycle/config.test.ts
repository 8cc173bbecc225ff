import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../lib/config';
import { ConfigError } from '../../lib/errors';

const base = { REMOTE_WRITE_URL: 'http://127.0.0.1:9/api/v1/write', SYNAPSE_WORKSPACES: 'contoso' };

function configError(env: Record<string, string>, options = {}): ConfigError {
  try {
    loadConfig(env, options);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ConfigError');
}

test('each bad value is reported with the variable it came from', () => {
  const cases: Array<[Record<string, string>, string, RegExp]> = [
    [{ SYNAPSE_WORKSPACES: 'x' }, 'REMOTE_WRITE_URL', /must be set/],
    [{ ...base, REMOTE_WRITE_URL: 'not a url' }, 'REMOTE_WRITE_URL', /absolute URL/],
    [{ ...base, REMOTE_WRITE_URL: 'http://example.com/write' }, 'REMOTE_WRITE_URL', /https/],
    [{ ...base, REMOTE_WRITE_TIMEOUT_MS: '10s' }, 'REMOTE_WRITE_TIMEOUT_MS', /positive integer \(got "10s"\)/],
    [{ ...base, REMOTE_WRITE_MAX_SAMPLES_PER_REQUEST: '0' }, 'REMOTE_WRITE_MAX_SAMPLES_PER_REQUEST', /positive integer/],
    [{ ...base, REMOTE_WRITE_AUTH: 'kerberos' }, 'REMOTE_WRITE_AUTH', /one of azure, bearer, basic, none/],
    [{ ...base, REMOTE_WRITE_AUTH: 'bearer' }, 'REMOTE_WRITE_BEARER_TOKEN', /must be set/],
    [{ ...base, REMOTE_WRITE_AUTH: 'basic', REMOTE_WRITE_USERNAME: 'u' }, 'REMOTE_WRITE_PASSWORD', /must be set/],
    [{ ...base, EXTERNAL_LABELS: 'cluster=a,1bad=b' }, 'EXTERNAL_LABELS', /valid label names/],
    [{ ...base, STATE_STORE: '/tmp/x' }, 'STATE_STORE', /file:<dir>/],
    [{ ...base, SYNAPSE_WORKSPACES: 'http://synapse.example.com' }, 'SYNAPSE_WORKSPACES', /https/],
    [{ ...base, SYNAPSE_WORKSPACES: 'bad name!' }, 'SYNAPSE_WORKSPACES', /workspace names/],
    [{ ...base, DATABRICKS_SERVER_HOSTNAME: 'adb-1.azuredatabricks.net' }, 'DATABRICKS_HTTP_PATH', /must be set/],
    [{ ...base, DATABRICKS_SERVER_HOSTNAME: 'https://adb-1.azuredatabricks.net', DATABRICKS_HTTP_PATH: '/sql/1.0/warehouses/x' }, 'DATABRICKS_SERVER_HOSTNAME', /bare host name/],
    [{ ...base, DATABRICKS_SERVER_HOSTNAME: 'h', DATABRICKS_HTTP_PATH: '/p', DATABRICKS_AUTH: 'oauth-m2m', DATABRICKS_CLIENT_ID: 'id' }, 'DATABRICKS_CLIENT_SECRET', /must be set/],
    [{ ...base, DATABRICKS_SERVER_HOSTNAME: 'h', DATABRICKS_HTTP_PATH: '/p', DATABRICKS_AUTH: 'pat' }, 'DATABRICKS_TOKEN', /must be set/],
  ];
  for (const [env, variable, message] of cases) {
    const err = configError(env);
    assert.equal(err.variable, variable, JSON.stringify(env));
    assert.match(err.message, message);
    assert.ok(err.message.includes(variable), `message names ${variable}: ${err.message}`);
  }
});

test('secrets are reported as set or unset, never echoed', () => {
  const secret = 'super-secret-value-123';
  const env = { ...base, DATABRICKS_SERVER_HOSTNAME: 'h', DATABRICKS_HTTP_PATH: 'no-slash', DATABRICKS_TOKEN: secret, REMOTE_WRITE_BEARER_TOKEN: secret, REMOTE_WRITE_AUTH: 'bearer' };
  const err = configError(env);
  assert.equal(err.variable, 'DATABRICKS_HTTP_PATH');
  assert.ok(!err.message.includes(secret));
  const urlErr = configError({ ...base, REMOTE_WRITE_URL: `ftp://user:${secret}@host/x` });
  assert.ok(!urlErr.message.includes(secret), urlErr.message);
});

test('defaults follow the contract and --dry-run needs no REMOTE_WRITE_URL', () => {
  const c = loadConfig({ REMOTE_WRITE_URL: 'https://x.eastus-1.metrics.ingest.monitor.azure.com/dataCollectionRules/dcr-1/streams/Microsoft-PrometheusMetrics/api/v1/write?api-version=2023-04-24', EXTERNAL_LABELS: 'cluster=prod, region = eu' });
  assert.equal(c.remoteWrite?.auth.kind, 'azure', 'Azure Monitor hosts default to azure auth');
  assert.equal(c.remoteWrite?.maxSamplesPerRequest, 2000);
  assert.equal(c.remoteWrite?.maxBytesPerRequest, 1_000_000);
  assert.deepEqual(c.externalLabels, { cluster: 'prod', region: 'eu' });
  assert.equal(c.stateStore, 'file:.lakepulse/state');
  assert.equal(loadConfig({ REMOTE_WRITE_URL: 'http://localhost:9090/api/v1/write' }).remoteWrite?.auth.kind, 'none');
  assert.equal(loadConfig({}, { dryRun: true }).remoteWrite, undefined);
  const d = loadConfig({ ...base, DATABRICKS_SERVER_HOSTNAME: 'adb-1.azuredatabricks.net', DATABRICKS_HTTP_PATH: '/sql/1.0/warehouses/abc' });
  assert.equal(d.databricks?.auth.kind, 'azure', 'no credentials set means managed identity');
  assert.equal(d.databricks?.port, 443);
  assert.deepEqual(loadConfig({ ...base, SYNAPSE_WORKSPACES: 'Contoso, https://fabrikam.dev.azuresynapse.net/ ,http://127.0.0.1:8080/ws/local' }).synapse?.workspaces, [
    { name: 'contoso', endpoint: 'https://contoso.dev.azuresynapse.net' },
    { name: 'fabrikam', endpoint: 'https://fabrikam.dev.azuresynapse.net' },
    { name: 'local', endpoint: 'http://127.0.0.1:8080/ws/local' },
  ]);
});
