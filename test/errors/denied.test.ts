import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSynapseEmulator, type SynapseEmulator } from '../../lib/emulators/synapse';
import { identityForSuite } from '../support/identity';
import { forSuite } from '../support/suite';
import { strictReceiverForSuite } from '../support/strict-receiver';
import { linesAt, runCliProcess } from './cli-process';
import { everything } from './messages';

// The real CLI with a working identity (lib/emulators/identity.ts) that lacks its roles: Azure Monitor ingestion
// refuses every batch with 403 and an Azure-shaped body; Synapse workspaces answer 401 and 403.
const identity = identityForSuite();
const rx = strictReceiverForSuite();
const synapse = forSuite<SynapseEmulator>(() => startSynapseEmulator({ identity }), (s) => s.close());

const AZURE_403 = JSON.stringify({
  error: {
    code: 'OperationFailed',
    message: "The authentication token provided does not have access to ingest data for the data collection rule with immutable Id 'dcr-00112233445566778899aabbccddeeff'.",
  },
});

const env = () => ({ IDENTITY_ENDPOINT: identity.endpoint, IDENTITY_HEADER: identity.header, SYNAPSE_WORKSPACES: synapse.env.SYNAPSE_WORKSPACES });
const host = (url: string) => new URL(url).host;

test('Azure Monitor answering 403 to every batch: ONE error line with the batches and samples, naming the role on the DCR', async () => {
  rx.decide = () => ({ status: 403, headers: { 'Content-Type': 'application/json' }, body: AZURE_403 });
  synapse.faults.discoveryStatus = {};
  synapse.faults.unauthorized.clear();
  const run = await runCliProcess(['run', '--once', '--json'], { ...env(), REMOTE_WRITE_URL: rx.url, REMOTE_WRITE_AUTH: 'azure', REMOTE_WRITE_MAX_SAMPLES_PER_REQUEST: '200' });
  assert.equal(run.code, 1, run.stderr);
  assert.ok(rx.requests.length > 3, `many batches were refused (${rx.requests.length})`);
  for (const q of rx.requests) assert.deepEqual(q.violations, []);
  assert.equal(run.summary.requests, rx.requests.length);
  assert.deepEqual(run.summary.targets.map((t) => [t.target, t.up, t.error]), [['contoso', 1, undefined], ['fabrikam', 1, undefined]], 'the sources are fine');

  assert.deepEqual(linesAt(run, 'error'), [
    {
      msg: 'remote write rejected',
      status: 403,
      batches: rx.requests.length,
      samples: run.summary.failedSamples,
      endpoint: host(rx.url),
      error:
        `HTTP 403 from ${host(rx.url)} (REMOTE_WRITE_URL): the identity is not allowed; it needs the role "Monitoring Metrics Publisher" on the data collection rule (DCR) in REMOTE_WRITE_URL, not on the workspace; ` +
        `a new role assignment takes about 30 minutes to apply, with 403s until then. Receiver said: ${AZURE_403}`,
    },
  ]);
  assert.equal(run.summary.failedSamples, run.summary.samples, 'every sample, counted once');

  const out = everything(run);
  assert.ok(!out.includes(identity.header), 'no IDENTITY_HEADER');
  const token = rx.requests[0]!.headers.authorization?.replace(/^Bearer /, '') ?? '';
  assert.ok(identity.verify(token, 'https://monitor.azure.com'), 'a real Monitor token was sent');
  assert.ok(!out.includes(token) && !out.includes('Bearer'), 'no token or header value');
});

test('Synapse workspaces answering 401 and 403: each target says which role the identity needs', async () => {
  const [contoso, fabrikam] = synapse.workspaces;
  synapse.faults.unauthorized.add(contoso!.name);
  synapse.faults.discoveryStatus = { [fabrikam!.name]: 403 };
  try {
    const run = await runCliProcess(['run', '--once', '--json', '--dry-run'], env());
    assert.equal(run.code, 1);
    const role = 'the Synapse RBAC role "Synapse Compute Operator" on the workspace (Synapse Studio → Manage → Access control); a new assignment can take a few minutes to apply';
    assert.deepEqual(run.summary.targets.map((t) => t.error), [
      `workspace contoso: HTTP 401 from ${host(contoso!.endpoint)} (SYNAPSE_WORKSPACES): the credential was not accepted; check which identity is used (AZURE_CLIENT_ID), and that it has ${role}`,
      `workspace fabrikam: HTTP 403 from ${host(fabrikam!.endpoint)} (SYNAPSE_WORKSPACES): the identity is not allowed; it needs ${role}`,
    ]);
    assert.ok(!everything(run).includes(identity.header));
    assert.ok(!/Bearer|eyJ/.test(everything(run)), 'no token');
  } finally {
    synapse.faults.unauthorized.clear();
    synapse.faults.discoveryStatus = {};
  }
});
