import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfSignedCertificate } from '../../lib/emulators/databricks/certificate';
import { listenOnLoopback } from '../../lib/emulators/loopback-server';
import { identityForSuite } from '../support/identity';
import { freePort } from '../support/ports';
import { forSuite } from '../support/suite';
import { linesAt, runCliProcess } from './cli-process';
import { everything } from './messages';

// Connections that fail before any answer, through the real CLI: a refused port, and a loopback HTTPS server whose
// certificate (trusted, so the name check is what fails) is for another name.
const identity = identityForSuite();
const tls = forSuite(
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lakepulse-tls-'));
    const cert = selfSignedCertificate({ commonName: 'other.example', dnsNames: ['other.example'], ipAddresses: [] });
    const caFile = join(dir, 'other.pem');
    await writeFile(caFile, cert.certPem);
    const server = createServer({ key: cert.keyPem, cert: cert.certPem }, (_req, res) => void res.writeHead(204).end());
    const listener = await listenOnLoopback(server as unknown as import('node:http').Server);
    return { port: listener.port, caFile, close: async () => (await listener.close(), await rm(dir, { recursive: true, force: true })) };
  },
  (t) => t.close(),
);

test('refused ports: the remote-write line and the workspace error name the host and the setting that holds it', async () => {
  const receiver = await freePort();
  const workspace = await freePort();
  const secret = 'planted-bearer-token-0c9d8e7f';
  const run = await runCliProcess(['run', '--once', '--json'], {
    IDENTITY_ENDPOINT: identity.endpoint,
    IDENTITY_HEADER: identity.header,
    SYNAPSE_WORKSPACES: `http://127.0.0.1:${workspace}/contoso`,
    REMOTE_WRITE_URL: `http://127.0.0.1:${receiver}/api/v1/write`,
    REMOTE_WRITE_AUTH: 'bearer',
    REMOTE_WRITE_BEARER_TOKEN: secret,
    REMOTE_WRITE_MAX_RETRY_MS: '0',
    REMOTE_WRITE_MAX_SAMPLES_PER_REQUEST: '2',
  });
  assert.equal(run.code, 1, run.stderr);
  const workspaceError = `workspace contoso: connection refused by 127.0.0.1:${workspace} (ECONNREFUSED): nothing listens there; check the host and port in SYNAPSE_WORKSPACES`;
  assert.deepEqual(run.summary.targets.map((t) => t.error), [workspaceError]);
  const remote = linesAt(run, 'error').filter((l) => String(l.msg).startsWith('remote write'));
  assert.deepEqual(remote, [
    {
      msg: 'remote write gave up',
      batches: run.summary.requests,
      samples: run.summary.failedSamples,
      endpoint: `127.0.0.1:${receiver}`,
      error: `connection refused by 127.0.0.1:${receiver} (ECONNREFUSED): nothing listens there; check the host and port in REMOTE_WRITE_URL`,
    },
  ]);
  assert.ok(run.summary.requests > 1, 'several batches, one line');
  assert.ok(!everything(run).includes(secret));
  assert.ok(!everything(run).includes(identity.header));
});

test('a TLS certificate for another name: the remote-write line and the warehouse error say so, naming the setting', async () => {
  const secret = 'dapi-planted-databricks-token-4242';
  const run = await runCliProcess(['run', '--once', '--json'], {
    // Trusted, so that the name check is what fails (the CLI's own trust store for fetch; DATABRICKS_CA_CERT for the driver).
    NODE_EXTRA_CA_CERTS: tls.caFile,
    REMOTE_WRITE_URL: `https://127.0.0.1:${tls.port}/api/v1/write`,
    DATABRICKS_SERVER_HOSTNAME: '127.0.0.1',
    DATABRICKS_PORT: String(tls.port),
    DATABRICKS_HTTP_PATH: '/sql/1.0/warehouses/abc',
    DATABRICKS_CA_CERT: tls.caFile,
    DATABRICKS_TOKEN: secret,
  });
  assert.equal(run.code, 1, run.stderr);
  assert.deepEqual(run.summary.targets.map((t) => [t.source, t.error]), [
    ['databricks', `billing: TLS: the certificate of 127.0.0.1:${tls.port} is not valid for that name (IP: 127.0.0.1 is not in the cert's list): check the host name in DATABRICKS_SERVER_HOSTNAME`],
  ]);
  const remote = linesAt(run, 'error').filter((l) => String(l.msg).startsWith('remote write'));
  assert.deepEqual(remote, [
    {
      msg: 'remote write rejected',
      batches: run.summary.requests,
      samples: run.summary.failedSamples,
      endpoint: `127.0.0.1:${tls.port}`,
      error: `TLS: the certificate of 127.0.0.1:${tls.port} is not valid for that name (IP: 127.0.0.1 is not in the cert's list): check the host name in REMOTE_WRITE_URL`,
    },
  ]);
  assert.ok(!everything(run).includes(secret));
});
