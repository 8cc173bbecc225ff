import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManagedIdentityCredential } from '@azure/identity';
import { startIdentityEmulator, type IdentityEmulator } from '../../../lib/emulators/identity';
import { startSynapseEmulator, type SynapseEmulator } from '../../../lib/emulators/synapse';
import { appUrl, get, listUrl, runningApps } from './client';

// Tokens come from the identity emulator through the REAL @azure/identity, which reads these variables itself.
let identity: IdentityEmulator;
let emu: SynapseEmulator;
before(async () => {
  identity = await startIdentityEmulator();
  Object.assign(process.env, identity.env);
  emu = await startSynapseEmulator({ identity });
});
after(async () => {
  await Promise.all([emu.close(), identity.close()]);
});

async function token(scope: string): Promise<string> {
  const t = await new ManagedIdentityCredential().getToken(scope);
  assert.ok(t);
  return t.token;
}

test('a managed-identity token for https://dev.azuresynapse.net opens every endpoint', async () => {
  const synapse = await token('https://dev.azuresynapse.net/.default');
  const app = runningApps(emu, 'contoso')[0]!;
  assert.equal((await get(listUrl(emu, 'contoso'), synapse)).status, 200);
  assert.equal((await get(appUrl(emu, 'contoso', app, 'text'), synapse)).status, 200);
  assert.equal((await get(appUrl(emu, 'contoso', app, 'executors'), synapse)).status, 200);
});

test('no token, a token for another resource, or a made-up token answers 401 with a Synapse-like JSON error', async () => {
  const monitor = await token('https://monitor.azure.com/.default');
  const app = runningApps(emu, 'fabrikam')[0]!;
  for (const t of [undefined, monitor, 'eyJhbGciOiJub25lIn0.e30.']) {
    for (const url of [listUrl(emu, 'fabrikam'), appUrl(emu, 'fabrikam', app, 'text')]) {
      const res = await get(url, t);
      assert.equal(res.status, 401);
      const body = JSON.parse(res.body) as { code: string; message: string };
      assert.equal(body.code, 'Unauthorized');
      assert.match(body.message, /dev\.azuresynapse\.net/);
    }
  }
});

test('an expired token is refused', async () => {
  identity.expiresInSeconds = -60;
  try {
    const expired = await token('https://dev.azuresynapse.net/'); // a scope spelling of its own, so msal's cache cannot answer
    assert.equal((await get(listUrl(emu, 'contoso'), expired)).status, 401);
  } finally {
    identity.expiresInSeconds = 3600;
  }
});

test('refused requests are still counted', async () => {
  const before = emu.requests.byKind.list ?? 0;
  await get(listUrl(emu, 'contoso'));
  assert.equal(emu.requests.byKind.list, before + 1);
});
