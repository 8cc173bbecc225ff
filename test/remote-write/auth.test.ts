import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createAzureCredential } from '../../lib/azure/credential';
import { startIdentityEmulator, type IdentityEmulator } from '../../lib/emulators/identity';
import { memoryLogger } from '../../lib/log';
import { EnvReader } from '../../lib/env';
import { loadRemoteWriteConfig } from '../../lib/remote-write/config';
import { createRemoteWriter } from '../../lib/remote-write/sender';
import { startStrictReceiver, type StrictReceiver } from '../support/strict-receiver';

let rx: StrictReceiver;
let identity: IdentityEmulator;
before(async () => {
  rx = await startStrictReceiver();
  identity = await startIdentityEmulator();
  Object.assign(process.env, identity.env);
});
after(async () => {
  await rx.close();
  await identity.close();
});
beforeEach(() => {
  rx.requests.length = 0;
  rx.script.length = 0;
});

const sample = () => [{ labels: { __name__: 'auth_test' }, samples: [{ value: 1, timestampMs: Date.now() }] }];
const config = (env: Record<string, string>) => loadRemoteWriteConfig(new EnvReader({ REMOTE_WRITE_URL: rx.url, ...env }), true)!;

test('bearer and basic credentials reach the receiver, and never the logs', async () => {
  const log = memoryLogger();
  rx.script.push({ status: 500, body: 'try again' });
  await createRemoteWriter(config({ REMOTE_WRITE_AUTH: 'bearer', REMOTE_WRITE_BEARER_TOKEN: 's3cret-token-value' }), { log }).write(sample());
  assert.equal(rx.requests[0]!.headers.authorization, 'Bearer s3cret-token-value');
  await createRemoteWriter(config({ REMOTE_WRITE_AUTH: 'basic', REMOTE_WRITE_USERNAME: 'alice', REMOTE_WRITE_PASSWORD: 'pa55-word-value' }), { log }).write(sample());
  assert.equal(rx.requests.at(-1)!.headers.authorization, `Basic ${Buffer.from('alice:pa55-word-value').toString('base64')}`);
  assert.ok(log.lines.length > 0);
  const everything = JSON.stringify(log.lines);
  assert.ok(!everything.includes('s3cret-token-value') && !everything.includes('pa55-word-value'));
});

test('azure auth gets a Monitor token from the managed identity through the real @azure/identity, once', async () => {
  const issuedBefore = identity.issued.length;
  const writer = createRemoteWriter(config({ REMOTE_WRITE_AUTH: 'azure' }), { log: memoryLogger(), credential: createAzureCredential({}) });
  await writer.write(sample());
  await writer.write(sample());
  const [first, second] = rx.requests;
  const token = first!.headers.authorization?.replace(/^Bearer /, '') ?? '';
  assert.ok(identity.verify(token, 'https://monitor.azure.com'), 'a token for https://monitor.azure.com');
  assert.equal(second!.headers.authorization, first!.headers.authorization);
  assert.deepEqual(identity.issued.slice(issuedBefore), [{ resource: 'https://monitor.azure.com' }], 'fetched once, then cached');
});
