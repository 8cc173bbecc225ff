import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManagedIdentityCredential, type AccessToken, type TokenCredential } from '@azure/identity';
import { cachedTokenSource, createAzureCredential } from '../../lib/azure/credential';
import { startIdentityEmulator, type IdentityEmulator } from '../../lib/emulators/identity';

// The REAL @azure/identity against the emulated App Service endpoint. msal-node reads IDENTITY_ENDPOINT/HEADER from
// process.env at the first token request and keeps a process-wide token cache, so the variables are set before any
// credential exists and every test uses its own scope.
let identity: IdentityEmulator;
before(async () => {
  identity = await startIdentityEmulator();
  Object.assign(process.env, identity.env);
  delete process.env.AZURE_CLIENT_ID;
});
after(async () => {
  await identity.close();
});

test('ManagedIdentityCredential gets a token from the emulated endpoint, good only for its resource', async () => {
  const before = Date.now();
  const token = await new ManagedIdentityCredential().getToken('https://dev.azuresynapse.net/.default');
  assert.ok(token);
  assert.ok(identity.verify(token.token, 'https://dev.azuresynapse.net'));
  assert.ok(!identity.verify(token.token, 'https://monitor.azure.com'));
  // expires_on is whole seconds, and msal re-bases it on its own rounded request/response seconds: allow 3 s.
  assert.ok(token.expiresOnTimestamp >= before + identity.expiresInSeconds * 1000 - 3000);
  assert.ok(token.expiresOnTimestamp <= Date.now() + identity.expiresInSeconds * 1000 + 3000);
  assert.deepEqual(identity.issued.at(-1), { resource: 'https://dev.azuresynapse.net' }, 'system-assigned: no client_id sent');
});

test('createAzureCredential sends AZURE_CLIENT_ID as client_id (user-assigned identity)', async () => {
  const clientId = '00000000-1111-2222-3333-444444444444';
  const credential = createAzureCredential({ AZURE_CLIENT_ID: clientId });
  const token = await credential.getToken('https://monitor.azure.com/.default');
  assert.ok(token && identity.verify(token.token, 'https://monitor.azure.com'));
  assert.deepEqual(identity.issued.at(-1), { resource: 'https://monitor.azure.com', clientId });
});

test('createAzureCredential without AZURE_CLIENT_ID uses the system-assigned identity', async () => {
  const token = await createAzureCredential({}).getToken('https://system-assigned.example/.default');
  assert.ok(token && identity.verify(token.token, 'https://system-assigned.example'));
  assert.deepEqual(identity.issued.at(-1), { resource: 'https://system-assigned.example' });
});

test('a cached token source serves the second call from memory', async () => {
  const source = cachedTokenSource(createAzureCredential({}), 'https://cache.example/.default');
  const requests = identity.requests;
  const first = await source.getToken();
  assert.equal(identity.requests, requests + 1);
  const second = await source.getToken();
  assert.equal(second, first);
  assert.equal(identity.requests, requests + 1, 'no second request');
  assert.ok(identity.verify(first, 'https://cache.example'));
});

test('concurrent callers share one token request', async () => {
  const source = cachedTokenSource(new ManagedIdentityCredential(), 'https://concurrent.example/.default');
  const requests = identity.requests;
  const tokens = await Promise.all(Array.from({ length: 8 }, () => source.getToken()));
  assert.equal(identity.requests, requests + 1);
  assert.equal(new Set(tokens).size, 1);
});

test('a token with less than five minutes left is fetched again; one with more is not', async () => {
  const credential = new ManagedIdentityCredential();
  identity.expiresInSeconds = 4 * 60;
  try {
    const short = cachedTokenSource(credential, 'https://short-lived.example/.default');
    const requests = identity.requests;
    const a = await short.getToken();
    const b = await short.getToken();
    assert.equal(identity.requests, requests + 2, 'four minutes left: refreshed on every call');
    assert.notEqual(a, b);
    identity.expiresInSeconds = 6 * 60;
    const longer = cachedTokenSource(credential, 'https://longer-lived.example/.default');
    const c = await longer.getToken();
    assert.equal(await longer.getToken(), c);
    assert.equal(identity.requests, requests + 3, 'six minutes left: cached');
  } finally {
    identity.expiresInSeconds = 3600;
  }
});

/** The real credential, re-dated on an injected clock so the cache's refresh point can be stepped over. */
function redated(clock: () => number, lifetimeMs: number, failFrom = Infinity): TokenCredential & { calls: number } {
  const real = new ManagedIdentityCredential();
  const credential = {
    calls: 0,
    async getToken(scope: string | string[]): Promise<AccessToken> {
      credential.calls += 1;
      if (credential.calls >= failFrom) throw new Error('identity endpoint unavailable');
      const token = await real.getToken(scope);
      assert.ok(token);
      return { token: `${token.token}#${credential.calls}`, expiresOnTimestamp: clock() + lifetimeMs };
    },
  };
  return credential;
}

test('with an injected clock the token is refreshed exactly five minutes before expiry', async () => {
  let clock = 1_000_000_000_000;
  const credential = redated(() => clock, 60 * 60_000);
  const source = cachedTokenSource(credential, 'https://clock.example/.default', { now: () => clock });
  const first = await source.getToken();
  clock += 55 * 60_000 - 1;
  assert.equal(await source.getToken(), first, 'one millisecond more than five minutes left: cached');
  assert.equal(credential.calls, 1);
  clock += 1;
  const second = await source.getToken();
  assert.notEqual(second, first, 'five minutes left: refreshed');
  assert.equal(credential.calls, 2);
});

test('refreshBeforeMs moves the refresh point', async () => {
  let clock = 1_000_000_000_000;
  const credential = redated(() => clock, 60 * 60_000);
  const source = cachedTokenSource(credential, 'https://refresh-before.example/.default', { now: () => clock, refreshBeforeMs: 10 * 60_000 });
  await source.getToken();
  clock += 49 * 60_000;
  await source.getToken();
  assert.equal(credential.calls, 1);
  clock += 60_000;
  await source.getToken();
  assert.equal(credential.calls, 2);
});

test('a failed refresh keeps serving the unexpired token, and fails once it has expired', async () => {
  let clock = 1_000_000_000_000;
  const credential = redated(() => clock, 60 * 60_000, 2);
  const source = cachedTokenSource(credential, 'https://failing-refresh.example/.default', { now: () => clock });
  const first = await source.getToken();
  clock += 58 * 60_000;
  assert.equal(await source.getToken(), first, 'two minutes left, refresh failed: the old token is still good');
  clock += 3 * 60_000;
  await assert.rejects(source.getToken(), /identity endpoint unavailable/);
});

test("an aborted caller stops waiting without cancelling the others' shared request", async () => {
  const source = cachedTokenSource(new ManagedIdentityCredential(), 'https://abort.example/.default');
  const controller = new AbortController();
  const requests = identity.requests;
  const aborted = source.getToken(controller.signal);
  const other = source.getToken();
  controller.abort(new Error('caller gave up'));
  await assert.rejects(aborted, /caller gave up/);
  assert.ok(identity.verify(await other, 'https://abort.example'));
  assert.equal(identity.requests, requests + 1);
});

test('a refusing endpoint fails with an error that names managed identity and the reason', async () => {
  identity.failNext(1, 403);
  await assert.rejects(new ManagedIdentityCredential().getToken('https://refused.example/.default'), (err: Error) => {
    assert.match(err.message, /ManagedIdentityCredential/);
    assert.match(err.message, /injected failure/);
    return true;
  });
});
