import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../support/ports';
import { strictReceiverForSuite } from '../support/strict-receiver';
import { linesAt, runCliProcess } from './cli-process';
import { everything, IDENTITY_FIX } from './messages';

// A machine with no Azure identity at all, as a new user first runs Lakepulse: the REAL DefaultAzureCredential
// tries the environment, the managed identity, VS Code, Azure CLI, PowerShell and azd. The managed identity's IMDS
// endpoint is pointed at a closed loopback port (AZURE_POD_IDENTITY_AUTHORITY_HOST, which both @azure/identity's
// probe and msal-node honour), so nothing is sent to 169.254.169.254 or anywhere else off this machine; PATH holds
// only node, so the developer tools are simply not found.
const rx = strictReceiverForSuite();

test('no identity anywhere: one line per target and one remote-write line, each naming the scope and what to do', async () => {
  const imds = await freePort();
  const workspace = await freePort();
  const secret = 'planted-client-secret-7f3a9c';
  const run = await runCliProcess(['run', '--once', '--json'], {
    SYNAPSE_WORKSPACES: `http://127.0.0.1:${workspace}/contoso`,
    REMOTE_WRITE_URL: rx.url,
    REMOTE_WRITE_AUTH: 'azure',
    REMOTE_WRITE_MAX_SAMPLES_PER_REQUEST: '3',
    AZURE_POD_IDENTITY_AUTHORITY_HOST: `http://127.0.0.1:${imds}`,
    // Set without AZURE_TENANT_ID, so EnvironmentCredential is unavailable; it must never be printed.
    AZURE_CLIENT_SECRET: secret,
  });
  assert.equal(run.code, 1, run.stderr);
  assert.equal(rx.requests.length, 0, 'nothing reaches the receiver without a token');

  const synapse = `workspace contoso: no Microsoft Entra token for https://dev.azuresynapse.net/.default: no credential was available (managed identity: no identity endpoint answered). ${IDENTITY_FIX}`;
  assert.deepEqual(run.summary.targets, [{ source: 'synapse', target: 'contoso', up: 0, series: 2, error: synapse }], '--json: one message per target');
  assert.equal(run.summary.requests, 0, 'no request was sent');
  assert.ok(run.summary.failedSamples > 0);

  const errors = linesAt(run, 'error');
  const remote = errors.filter((l) => String(l.msg).startsWith('remote write'));
  assert.equal(remote.length, 1, `one remote-write error line for every batch: ${run.stderr}`);
  assert.deepEqual(remote[0], {
    msg: 'remote write gave up',
    batches: remote[0]!.batches,
    samples: run.summary.failedSamples,
    endpoint: new URL(rx.url).host,
    error: `remote write to ${new URL(rx.url).host}: no Microsoft Entra token for https://monitor.azure.com/.default: no credential was available (managed identity: no identity endpoint answered). ${IDENTITY_FIX}`,
  });
  assert.ok(Number(remote[0]!.batches) > 1, 'several batches, summed into the one line');
  assert.deepEqual(errors.filter((l) => !String(l.msg).startsWith('remote write')), [{ msg: 'synapse discovery failed', workspace: 'contoso', error: synapse }]);

  const out = everything(run);
  for (const chainWord of ['ChainedTokenCredential', 'EnvironmentCredential', 'AzurePowerShellCredential', 'Visual Studio Code', 'network_error']) {
    assert.ok(!out.includes(chainWord), `the chain (${chainWord}) is for the debug log only`);
  }
  assert.ok(!out.includes(secret), 'the planted secret appears nowhere');
  for (const line of run.stderr.trim().split('\n')) assert.ok(!line.includes('\\n'), 'every message is one line');
});
