import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { listenOnLoopback, type LoopbackListener } from '../../lib/emulators/loopback-server';
import { freePort } from '../support/ports';
import { forSuite } from '../support/suite';
import { strictReceiverForSuite } from '../support/strict-receiver';
import { linesAt, runCliProcess } from './cli-process';
import { everything, IDENTITY_FIX } from './messages';

/** A managed-identity endpoint (App Service protocol) that answers every request 400, as Azure does for an unknown identity. */
const identity = forSuite(
  async () => {
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(400, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: 'invalid_request', error_description: 'Unable to load the proper Managed Identity.' }));
    });
    const listener: LoopbackListener & { seen: IncomingHttpHeaders[] } = Object.assign(await listenOnLoopback(server), { seen });
    return listener;
  },
  (l) => l.close(),
);
const rx = strictReceiverForSuite();

test('an identity endpoint answering 400: the endpoint’s reason in one line, the chain only at debug, the header secret nowhere', async () => {
  const header = 'planted-identity-header-5b1e0d';
  const clientId = '11111111-2222-3333-4444-555555555555';
  const run = await runCliProcess(['run', '--once', '--json'], {
    SYNAPSE_WORKSPACES: `http://127.0.0.1:${await freePort()}/fabrikam`,
    REMOTE_WRITE_URL: rx.url,
    REMOTE_WRITE_AUTH: 'azure',
    IDENTITY_ENDPOINT: `http://127.0.0.1:${identity.port}/msi/token`,
    IDENTITY_HEADER: header,
    AZURE_CLIENT_ID: clientId,
    LAKEPULSE_LOG_LEVEL: 'debug',
  });
  assert.equal(run.code, 1, run.stderr);
  assert.equal(identity.seen.length, 1, 'one token request for the whole run: other scopes reuse the answer');
  assert.equal(identity.seen[0]!['x-identity-header'], header, 'the endpoint was really asked, with the header');
  assert.equal(rx.requests.length, 0);

  const reason = 'managed identity: the identity endpoint refused: Unable to load the proper Managed Identity.';
  const synapse = `workspace fabrikam: no Microsoft Entra token for https://dev.azuresynapse.net/.default: no credential was available (${reason}). ${IDENTITY_FIX}`;
  assert.deepEqual(run.summary.targets.map((t) => t.error), [synapse]);
  assert.deepEqual(
    linesAt(run, 'error').map((l) => l.error),
    [synapse, `remote write to ${new URL(rx.url).host}: no Microsoft Entra token for https://monitor.azure.com/.default: no credential was available (${reason}). ${IDENTITY_FIX}`],
  );

  // The whole chain, once, at debug.
  const debug = run.lines.filter((l) => l.msg === 'azure token request failed');
  assert.equal(debug.length, 1, run.stderr);
  assert.equal(debug[0]!.level, 'debug');
  const chain = debug[0]!.chain as string[];
  assert.ok(chain.some((c) => c.startsWith('CredentialUnavailableError: ManagedIdentityCredential: Authentication failed.')), chain.join('\n'));
  assert.ok(chain.some((c) => c.includes('EnvironmentCredential')));
  const nonDebug = run.lines.filter((l) => l.level !== 'debug');
  assert.ok(!JSON.stringify(nonDebug).includes('CredentialUnavailableError'), 'no chain above debug');

  assert.ok(!everything(run).includes(header), 'the IDENTITY_HEADER value appears nowhere, debug lines included');
});
