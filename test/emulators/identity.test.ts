import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startIdentityEmulator, type IdentityEmulator } from '../../lib/emulators/identity';

// The App Service managed-identity protocol, spoken over raw HTTP (the real @azure/identity is in test/azure/).
let identity: IdentityEmulator;
before(async () => {
  identity = await startIdentityEmulator({ header: 'expected-secret' });
});
after(async () => {
  await identity.close();
});

function tokenUrl(params: Record<string, string>): string {
  return `${identity.endpoint}?${new URLSearchParams(params).toString()}`;
}

/** `header: null` sends no X-IDENTITY-HEADER at all. */
async function getToken(params: Record<string, string>, header: string | null = identity.header): Promise<Response> {
  return fetch(tokenUrl(params), { headers: header === null ? {} : { 'X-IDENTITY-HEADER': header } });
}

function claims(token: string): Record<string, unknown> {
  const parts = token.split('.');
  assert.equal(parts.length, 3, 'JWT-shaped: header.payload.signature');
  return JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

test('the endpoint and env describe a loopback App Service endpoint with the chosen header', () => {
  const url = new URL(identity.endpoint);
  assert.equal(url.protocol, 'http:');
  assert.equal(url.hostname, '127.0.0.1');
  assert.deepEqual(identity.env, { IDENTITY_ENDPOINT: identity.endpoint, IDENTITY_HEADER: 'expected-secret' });
});

test('a token response has the fields and formats msal-node reads', async () => {
  identity.expiresInSeconds = 1234;
  const before = Math.floor(Date.now() / 1000);
  const res = await getToken({ 'api-version': '2019-08-01', resource: 'https://dev.azuresynapse.net', client_id: 'cid-1' });
  const after = Math.floor(Date.now() / 1000);
  identity.expiresInSeconds = 3600;
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  const body = (await res.json()) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['access_token', 'client_id', 'expires_on', 'resource', 'token_type']);
  assert.equal(body.token_type, 'Bearer');
  assert.equal(body.resource, 'https://dev.azuresynapse.net');
  assert.equal(body.client_id, 'cid-1');
  assert.equal(typeof body.expires_on, 'string', 'App Service sends Unix seconds as a string');
  assert.match(body.expires_on as string, /^\d+$/);
  const expiresOn = Number(body.expires_on);
  assert.ok(expiresOn >= before + 1234 && expiresOn <= after + 1234);
  const c = claims(body.access_token as string);
  assert.equal(c.aud, 'https://dev.azuresynapse.net');
  assert.equal(c.exp, expiresOn);
});

test('a token verifies only for its own resource, with or without /.default, and never a made-up one', async () => {
  const body = (await (await getToken({ 'api-version': '2019-08-01', resource: 'https://monitor.azure.com/' })).json()) as { access_token: string };
  assert.ok(identity.verify(body.access_token, 'https://monitor.azure.com'));
  assert.ok(identity.verify(body.access_token, 'https://monitor.azure.com/.default'));
  assert.ok(!identity.verify(body.access_token, 'https://dev.azuresynapse.net'));
  assert.ok(!identity.verify(`${body.access_token}x`, 'https://monitor.azure.com'));
  assert.ok(!identity.verify('', 'https://monitor.azure.com'));
});

test('an expired token no longer verifies', async () => {
  identity.expiresInSeconds = -1;
  const body = (await (await getToken({ 'api-version': '2019-08-01', resource: 'https://expired.example' })).json()) as { access_token: string };
  identity.expiresInSeconds = 3600;
  assert.ok(!identity.verify(body.access_token, 'https://expired.example'));
});

test('a missing or wrong X-IDENTITY-HEADER answers 401 and issues nothing', async () => {
  const issued = identity.issued.length;
  for (const header of [null, 'wrong-secret']) {
    const res = await getToken({ 'api-version': '2019-08-01', resource: 'https://x.example' }, header);
    assert.equal(res.status, 401);
    const body = (await res.json()) as { error: string; error_description: string };
    assert.equal(body.error, 'unauthorized');
    assert.match(body.error_description, /X-IDENTITY-HEADER/);
  }
  assert.equal(identity.issued.length, issued);
});

test('resource and api-version are required', async () => {
  assert.equal((await getToken({ 'api-version': '2019-08-01' })).status, 400);
  assert.equal((await getToken({ resource: 'https://x.example' })).status, 400);
  assert.equal((await getToken({ 'api-version': '2017-09-01', resource: 'https://x.example' })).status, 400);
});

test('failNext answers the given status n times, then tokens again; every request is counted', async () => {
  const requests = identity.requests;
  identity.failNext(2, 503);
  const statuses: number[] = [];
  for (let i = 0; i < 3; i++) statuses.push((await getToken({ 'api-version': '2019-08-01', resource: 'https://flaky.example' })).status);
  assert.deepEqual(statuses, [503, 503, 200]);
  assert.equal(identity.requests, requests + 3);
  assert.deepEqual(identity.issued.at(-1), { resource: 'https://flaky.example' });
});

test('other paths are not the token endpoint', async () => {
  const requests = identity.requests;
  const res = await fetch(new URL('/other', identity.endpoint), { headers: { 'X-IDENTITY-HEADER': identity.header } });
  assert.equal(res.status, 404);
  assert.equal(identity.requests, requests);
});
