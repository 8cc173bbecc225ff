import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManagedIdentityCredential } from '@azure/identity';
import { cachedTokenSource, createAzureCredential } from '../../lib/azure/credential';
import { startIdentityEmulator, type IdentityEmulator } from '../../lib/emulators/identity';

// msal-node fixes IDENTITY_HEADER for the whole process at the first token request, so a wrong header gets its own
// test file (each file runs in its own process).
let identity: IdentityEmulator;
before(async () => {
  identity = await startIdentityEmulator({ header: 'the-right-secret' });
  process.env.IDENTITY_ENDPOINT = identity.endpoint;
  process.env.IDENTITY_HEADER = 'a-wrong-secret';
  delete process.env.AZURE_CLIENT_ID;
});
after(async () => {
  await identity.close();
});

test('ManagedIdentityCredential with a wrong IDENTITY_HEADER fails at once with the endpoint’s reason', async () => {
  const requests = identity.requests;
  await assert.rejects(new ManagedIdentityCredential().getToken('https://dev.azuresynapse.net/.default'), (err: Error) => {
    assert.equal(err.name, 'CredentialUnavailableError');
    assert.match(err.message, /ManagedIdentityCredential: Authentication failed/);
    assert.match(err.message, /X-IDENTITY-HEADER is missing or wrong/);
    assert.ok(!err.message.includes('a-wrong-secret'), 'the header value is not echoed');
    return true;
  });
  assert.equal(identity.requests, requests + 1, '401 is not retried');
  assert.deepEqual(identity.issued, []);
});

test('through the cached source and DefaultAzureCredential the managed-identity reason is still in the one-line error', async () => {
  const source = cachedTokenSource(createAzureCredential({ IDENTITY_HEADER: 'a-wrong-secret' }), 'https://monitor.azure.com/.default');
  await assert.rejects(source.getToken(), (err: Error) => {
    assert.match(err.message, /^no Microsoft Entra token for https:\/\/monitor\.azure\.com\/\.default: no credential was available \(managed identity: the identity endpoint refused: X-IDENTITY-HEADER is missing or wrong\)\. To fix: /);
    assert.ok(!err.message.includes('\n'), 'one line');
    assert.ok(!err.message.includes('a-wrong-secret'));
    return true;
  });
});
