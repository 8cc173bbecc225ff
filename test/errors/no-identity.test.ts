import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { freePort } from '../support/ports';
import { forSuite } from '../support/suite';
import { strictReceiverForSuite } from '../support/strict-receiver';
import { linesAt, runCliProcess } from './cli-process';
import { everything, IDENTITY_FIX } from './messages';

// A machine with no Azure identity at all, as a new user first runs Lakepulse: the REAL DefaultAzureCredential
// tries the environment, the managed identity, VS Code, Azure CLI, PowerShell and azd. The managed identity's IMDS
// endpoint is pointed at loopback (AZURE_POD_IDENTITY_AUTHORITY_HOST, which both @azure/identity's probe and
// msal-node honour), where a socket that drops every connection stands in for "no endpoint": the test records what
// reached it, proving the IMDS traffic stayed on this machine (never 169.254.169.254). PATH holds only node, so the
// developer tools are simply not found.
const rx = strictReceiverForSuite();
const imds = forSuite(
  async () => {
    const requests: string[] = [];
    const server = createServer((socket) => {
      socket.once('data', (d: Buffer) => void requests.push(d.toString('latin1').split('\r\n')[0]!));
      socket.once('data', () => socket.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    return { port, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  },
  (s) => s.close(),
);

test('no identity anywhere: one line per target and one remote-write line, each naming the scope and what to do', async () => {
  const workspace = await freePort();
  const secret = 'planted-client-secret-7f3a9c';
  const run = await runCliProcess(['run', '--once', '--json'], {
    SYNAPSE_WORKSPACES: `http://127.0.0.1:${workspace}/contoso`,
    REMOTE_WRITE_URL: rx.url,
    REMOTE_WRITE_AUTH: 'azure',
    REMOTE_WRITE_MAX_SAMPLES_PER_REQUEST: '3',
    AZURE_POD_IDENTITY_AUTHORITY_HOST: `http://127.0.0.1:${imds.port}`,
    // Set without AZURE_TENANT_ID, so EnvironmentCredential is unavailable; it must never be printed.
    AZURE_CLIENT_SECRET: secret,
  });
  assert.equal(run.code, 1, run.stderr);
  assert.equal(rx.requests.length, 0, 'nothing reaches the receiver without a token');
  assert.ok(imds.requests.length > 0, 'the managed identity was really tried, on loopback');
  for (const r of imds.requests) assert.match(r, /^GET \/metadata\/identity\/oauth2\/token\/?\?api-version=[^ ]+&resource=https%3A%2F%2Fdev\.azuresynapse\.net HTTP\/1\.1$/);

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
