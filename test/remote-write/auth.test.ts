import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManagedIdentityCredential, type GetTokenOptions, type TokenCredential } from '@azure/identity';
import { startIdentityEmulator, type IdentityEmulator } from '../../lib/emulators/identity';
import { memoryLogger } from '../../lib/log';
import { EnvReader } from '../../lib/env';
import { loadRemoteWriteConfig, type RemoteWriteConfig } from '../../lib/remote-write/config';
import { createRemoteWriter, type WriteResult } from '../../lib/remote-write/sender';
import type { Series } from '../../lib/series';
import { startStrictReceiver, type StrictReceiver } from '../support/strict-receiver';

// The REAL @azure/identity against lib/emulators/identity.ts (App Service protocol). msal-node reads IDENTITY_ENDPOINT
// and IDENTITY_HEADER from process.env at the first token request and keeps a process-wide cache, so the variables
// are set before any credential exists and tests that must reach the endpoint use their own scope or client id.
let rx: StrictReceiver;
let identity: IdentityEmulator;
before(async () => {
  rx = await startStrictReceiver();
  identity = await startIdentityEmulator();
  Object.assign(process.env, identity.env);
  delete process.env.AZURE_CLIENT_ID;
});
after(async () => {
  await rx.close();
  await identity.close();
});
beforeEach(() => {
  rx.requests.length = 0;
  rx.script.length = 0;
  rx.decide = undefined;
});

const sample = (t = Date.now()): Series[] => [{ labels: { __name__: 'auth_test' }, samples: [{ value: 1, timestampMs: t }] }];
const config = (env: Record<string, string>): RemoteWriteConfig => ({
  ...loadRemoteWriteConfig(new EnvReader({ REMOTE_WRITE_URL: rx.url, ...env }), true)!,
  minBackoffMs: 1,
  maxBackoffMs: 5,
});

/** Everything a caller could print: log lines, errors, and the result. */
function printable(log: ReturnType<typeof memoryLogger>, results: WriteResult[]): string {
  return JSON.stringify(log.lines) + JSON.stringify(results);
}

/** The real credential, counting how often the writer asks it for a token. */
function counting(credential: TokenCredential): TokenCredential & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    getToken: (scopes: string | string[], options?: GetTokenOptions) => {
      calls.push(String(scopes));
      return credential.getToken(scopes, options);
    },
  };
}

test('bearer: the token reaches the receiver on every attempt, and never a log line, error or result', async () => {
  const log = memoryLogger();
  rx.script.push({ status: 500, body: 'try again' }, { status: 204 }, { status: 401, body: 'bad token' });
  const writer = createRemoteWriter(config({ REMOTE_WRITE_AUTH: 'bearer', REMOTE_WRITE_BEARER_TOKEN: 's3cret-token-value' }), { log });
  const results = [await writer.write(sample()), await writer.write(sample())];
  assert.equal(rx.requests.length, 3);
  for (const q of rx.requests) assert.equal(q.headers.authorization, 'Bearer s3cret-token-value');
  assert.ok(log.lines.length >= 2, 'there were log lines to check');
  assert.ok(!printable(log, results).includes('s3cret-token-value'));
});

test('basic: user and password as RFC 7617 Basic credentials, never printed', async () => {
  const log = memoryLogger();
  rx.script.push({ status: 403, body: 'forbidden' });
  const result = await createRemoteWriter(config({ REMOTE_WRITE_AUTH: 'basic', REMOTE_WRITE_USERNAME: 'alice', REMOTE_WRITE_PASSWORD: 'pä55:word' }), { log }).write(sample());
  assert.equal(rx.requests[0]!.headers.authorization, `Basic ${Buffer.from('alice:pä55:word', 'utf8').toString('base64')}`);
  const text = printable(log, [result]);
  assert.ok(!text.includes('pä55:word') && !text.includes(Buffer.from('alice:pä55:word', 'utf8').toString('base64')));
});

test('none: no Authorization header', async () => {
  await createRemoteWriter(config({ REMOTE_WRITE_AUTH: 'none' }), { log: memoryLogger() }).write(sample());
  assert.equal(rx.requests[0]!.headers.authorization, undefined);
});

test('azure: a Monitor token from the managed identity through the real ManagedIdentityCredential, fetched once', async () => {
  const log = memoryLogger();
  const credential = counting(new ManagedIdentityCredential());
  const cfg = config({ REMOTE_WRITE_AUTH: 'azure' });
  assert.deepEqual(cfg.auth, { kind: 'azure', scope: 'https://monitor.azure.com/.default' });
  const writer = createRemoteWriter({ ...cfg, maxSamplesPerRequest: 1 }, { log, credential });
  rx.script.push({ status: 503 });
  const results = [await writer.write([...sample(), { labels: { __name__: 'auth_test_2' }, samples: [{ value: 2, timestampMs: Date.now() }] }]), await writer.write(sample())];
  assert.equal(rx.requests.length, 4, 'a retry, a second batch, a second write');
  const token = rx.requests[0]!.headers.authorization?.replace(/^Bearer /, '') ?? '';
  assert.ok(identity.verify(token, 'https://monitor.azure.com'), 'a token the identity endpoint issued for https://monitor.azure.com');
  for (const q of rx.requests) assert.equal(q.headers.authorization, `Bearer ${token}`);
  assert.deepEqual(credential.calls, ['https://monitor.azure.com/.default'], 'asked once, then served from the cache');
  assert.ok(log.lines.length > 0);
  assert.ok(!printable(log, results).includes(token));
});

test('azure: the token is refreshed within 5 minutes of its expiry, not before', async () => {
  const credential = counting(new ManagedIdentityCredential());
  let clock = Date.now();
  const writer = createRemoteWriter(
    { ...config({ REMOTE_WRITE_AUTH: 'azure' }), auth: { kind: 'azure', scope: 'https://refresh.example/.default' } },
    { log: memoryLogger(), credential, now: () => clock },
  );
  await writer.write(sample(clock));
  clock += (identity.expiresInSeconds - 6 * 60) * 1000; // 6 min before expiry: still cached
  await writer.write(sample(clock));
  assert.equal(credential.calls.length, 1);
  clock += 2 * 60_000; // 4 min before expiry: refreshed
  await writer.write(sample(clock));
  assert.equal(credential.calls.length, 2);
  for (const q of rx.requests) assert.ok(identity.verify(q.headers.authorization?.replace(/^Bearer /, '') ?? '', 'https://refresh.example'));
});

test('azure without an injected credential: the managed identity, user-assigned when a client id is given', async () => {
  const clientId = '11111111-2222-3333-4444-555555555555';
  const writer = createRemoteWriter(
    { ...config({ REMOTE_WRITE_AUTH: 'azure' }), auth: { kind: 'azure', scope: 'https://monitor.azure.com/.default' } },
    { log: memoryLogger(), azureClientId: clientId },
  );
  const issued = identity.issued.length;
  const r = await writer.write(sample());
  assert.equal(r.samplesSent, 1);
  assert.deepEqual(identity.issued.slice(issued), [{ resource: 'https://monitor.azure.com', clientId }]);
  assert.ok(identity.verify(rx.requests[0]!.headers.authorization?.replace(/^Bearer /, '') ?? '', 'https://monitor.azure.com'));
});

test('azure: a failing identity endpoint keeps the samples for the next run and prints no secret', async () => {
  const log = memoryLogger();
  identity.failNext(100, 400);
  const writer = createRemoteWriter(
    { ...config({ REMOTE_WRITE_AUTH: 'azure' }), auth: { kind: 'azure', scope: 'https://failing.example/.default' }, maxRetryMs: 20 },
    { log, credential: new ManagedIdentityCredential() },
  );
  const r = await writer.write(sample());
  identity.failNext(0, 400);
  assert.equal(rx.requests.length, 0, 'nothing sent without a token');
  assert.equal(r.samplesFailed, 1);
  assert.equal(r.undelivered.length, 1);
  assert.equal(rx.requests.length, 0);
  assert.match(r.errors[0] ?? '', /^remote write to [^ ]+: no Microsoft Entra token for https:\/\/failing\.example\/\.default: no credential was available \(managed identity: the identity endpoint refused: injected failure\)\. To fix: in Azure/);
  assert.equal(log.lines.filter((l) => l.level === 'error').length, 1, 'one error line');
  assert.ok(!printable(log, [r]).includes(identity.header), 'the IDENTITY_HEADER secret is not printed');
});
