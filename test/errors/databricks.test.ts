import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDatabricksEmulator, type DatabricksEmulator } from '../../lib/emulators/databricks';
import { identityForSuite } from '../support/identity';
import { forSuite } from '../support/suite';
import { runCliProcess } from './cli-process';
import { everything, IDENTITY_FIX } from './messages';

// The real CLI against the warehouse emulator (the real @databricks/sql driver over HTTPS): credentials it refuses,
// and an Entra token that cannot be had.
const identity = identityForSuite();
const warehouse = forSuite<DatabricksEmulator>(() => startDatabricksEmulator(), (w) => w.close());

const env = () => ({
  DATABRICKS_SERVER_HOSTNAME: '127.0.0.1',
  DATABRICKS_PORT: String(warehouse.port),
  DATABRICKS_HTTP_PATH: warehouse.httpPath,
  DATABRICKS_CA_CERT: warehouse.caCertPath,
  IDENTITY_ENDPOINT: identity.endpoint,
  IDENTITY_HEADER: identity.header,
});

test('a token the warehouse refuses: the error names DATABRICKS_TOKEN and the grant, never the token', async () => {
  const secret = 'dapi-planted-wrong-token-31337';
  const run = await runCliProcess(['run', '--once', '--json', '--dry-run'], { ...env(), DATABRICKS_TOKEN: secret });
  assert.equal(run.code, 1);
  assert.deepEqual(run.summary.targets.map((t) => t.error), [
    `billing: HTTP 401 from 127.0.0.1:${warehouse.port} (DATABRICKS_SERVER_HOSTNAME): the credential was not accepted; check DATABRICKS_TOKEN (DATABRICKS_AUTH=pat), and that it has CAN USE on the warehouse in DATABRICKS_HTTP_PATH`,
  ]);
  assert.ok(!everything(run).includes(secret));
});

test('DATABRICKS_AUTH=azure with an identity endpoint that refuses: one line naming the Azure Databricks scope and what to do', async () => {
  identity.failNext(100, 400);
  try {
    const run = await runCliProcess(['run', '--once', '--json', '--dry-run'], { ...env(), DATABRICKS_AUTH: 'azure' });
    assert.equal(run.code, 1);
    assert.deepEqual(run.summary.targets.map((t) => t.error), [
      `billing: DATABRICKS_AUTH=azure: no Microsoft Entra token for 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default: no credential was available (managed identity: the identity endpoint refused: injected failure). ${IDENTITY_FIX}`,
    ]);
    assert.ok(!everything(run).includes(identity.header));
  } finally {
    identity.failNext(0, 400);
  }
});
