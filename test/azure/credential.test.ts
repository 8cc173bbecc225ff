import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManagedIdentityCredential } from '@azure/identity';
import { cachedTokenSource, createAzureCredential } from '../../lib/azure/credential';
import { startIdentityEmulator, type IdentityEmulator } from '../../lib/emulators/identity';

let identity: IdentityEmulator;
before(async () => {
  identity = await startIdentityEmulator();
  // @azure/identity reads these from the process environment, as it does in an Azure Function App.
  Object.assign(process.env, identity.env);
});
after(async () => {
  await identity.close();
});

test('the real @azure/identity gets a token from the emulated managed-identity endpoint', async () => {
  const token = await new ManagedIdentityCredential().getToken('https://dev.azuresynapse.net/.default');
  assert.ok(token);
  assert.ok(identity.verify(token.token, 'https://dev.azuresynapse.net'));
  assert.ok(!identity.verify(token.token, 'https://monitor.azure.com'), 'a token is only good for its own resource');
  assert.ok(token.expiresOnTimestamp > Date.now() + 50 * 60_000);
});

test('AZURE_CLIENT_ID selects the user-assigned identity', async () => {
  const before = identity.issued.length;
  const credential = createAzureCredential({ AZURE_CLIENT_ID: '00000000-1111-2222-3333-444444444444' });
  await credential.getToken('https://monitor.azure.com/.default');
  assert.deepEqual(identity.issued.slice(before), [{ resource: 'https://monitor.azure.com', clientId: '00000000-1111-2222-3333-444444444444' }]);
});

test('tokens are cached until five minutes before expiry, and concurrent callers share one request', async () => {
  let clock = Date.now();
  let calls = 0;
  const credential = {
    async getToken(scope: string) {
      calls += 1;
      const real = await new ManagedIdentityCredential().getToken(scope);
      return { token: `${real!.token}#${calls}`, expiresOnTimestamp: clock + 60 * 60_000 };
    },
  };
  const source = cachedTokenSource(credential, 'https://monitor.azure.com/.default', { now: () => clock });
  const [a, b, c] = await Promise.all([source.getToken(), source.getToken(), source.getToken()]);
  assert.equal(calls, 1);
  assert.equal(a, b);
  assert.equal(b, c);
  clock += 54 * 60_000;
  assert.equal(await source.getToken(), a, 'six minutes left: still cached');
  clock += 2 * 60_000;
  assert.notEqual(await source.getToken(), a, 'four minutes left: refreshed');
  assert.equal(calls, 2);
});

test('an identity endpoint that refuses fails with a clear error', async () => {
  identity.failNext(1, 401);
  await assert.rejects(new ManagedIdentityCredential().getToken('https://example.test/.default'), (err: Error) => /401|unauthorized|injected failure/i.test(err.message));
});

test('the emulator refuses a request without the identity header', async () => {
  const res = await fetch(`${identity.endpoint}?api-version=2019-08-01&resource=https://x`);
  assert.equal(res.status, 401);
  const ok = await fetch(`${identity.endpoint}?api-version=2019-08-01&resource=https://x`, { headers: { 'X-IDENTITY-HEADER': identity.header } });
  assert.equal(ok.status, 200);
});
