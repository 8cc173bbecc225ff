import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { AggregateAuthenticationError, AuthenticationError, CredentialUnavailableError, type AccessToken, type TokenCredential } from '@azure/identity';
import { cachedTokenSource, explainingCredential } from '../../lib/azure/credential';
import { AzureTokenError, explainTokenFailure } from '../../lib/azure/token-failure';
import { describeConnectionFailure, describeDenied } from '../../lib/failure-messages';
import { memoryLogger } from '../../lib/log';
import { redact } from '../../lib/redact';
import { freePort } from '../support/ports';
import { IDENTITY_FIX } from './messages';

const endpoint = { host: 'example.test:8443', setting: 'REMOTE_WRITE_URL' };

/** An error as fetch reports it: `TypeError: fetch failed` whose cause is the socket's error. */
function fetchFailed(code: string, message: string, extra: Record<string, unknown> = {}): TypeError {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(message), { code, ...extra }) });
}

test('connection failures: one line per cause, naming the host and the setting (table)', () => {
  const table: Array<[unknown, string | undefined]> = [
    [fetchFailed('ENOTFOUND', 'getaddrinfo ENOTFOUND example.test'), 'cannot resolve example.test (ENOTFOUND: no such host): check the host name in REMOTE_WRITE_URL'],
    [fetchFailed('EAI_AGAIN', 'getaddrinfo EAI_AGAIN example.test'), 'cannot resolve example.test (EAI_AGAIN: DNS did not answer): check the host name in REMOTE_WRITE_URL'],
    [fetchFailed('ECONNREFUSED', 'connect ECONNREFUSED'), 'connection refused by example.test:8443 (ECONNREFUSED): nothing listens there; check the host and port in REMOTE_WRITE_URL'],
    [fetchFailed('ETIMEDOUT', 'connect ETIMEDOUT'), 'cannot reach example.test:8443 (ETIMEDOUT): check REMOTE_WRITE_URL, and that the network (firewall, private endpoint, proxy) lets this machine reach it'],
    [fetchFailed('ECONNRESET', 'read ECONNRESET'), 'connection to example.test:8443 was closed before it answered (ECONNRESET): check REMOTE_WRITE_URL, and any proxy or firewall between here and there'],
    [
      fetchFailed('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames: Host: example.test. is not in the cert's altnames: DNS:other.example", { reason: "Host: example.test. is not in the cert's altnames: DNS:other.example" }),
      "TLS: the certificate of example.test:8443 is not valid for that name (Host: example.test. is not in the cert's altnames: DNS:other.example): check the host name in REMOTE_WRITE_URL",
    ],
    [fetchFailed('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'), 'TLS: the certificate of example.test:8443 is not trusted (DEPTH_ZERO_SELF_SIGNED_CERT): check the host in REMOTE_WRITE_URL, or add the CA that issued it with NODE_EXTRA_CA_CERTS'],
    [fetchFailed('CERT_HAS_EXPIRED', 'certificate has expired'), "TLS: the certificate of example.test:8443 is not valid now (CERT_HAS_EXPIRED): check the host in REMOTE_WRITE_URL and this machine's clock"],
    [fetchFailed('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number'), 'TLS handshake with example.test:8443 failed (ERR_SSL_WRONG_VERSION_NUMBER): check that REMOTE_WRITE_URL point at a TLS (https) endpoint'],
    [new Error('something else entirely'), undefined],
    ['not even an error', undefined],
  ];
  for (const [err, expected] of table) assert.equal(describeConnectionFailure(err, endpoint), expected);
});

test('a real refused socket error is classified, with the port setting named when there is one', async () => {
  const port = await freePort();
  const err = await new Promise<Error>((resolve) => connect(port, '127.0.0.1').once('error', resolve));
  assert.equal(
    describeConnectionFailure(err, { host: `127.0.0.1:${port}`, setting: 'DATABRICKS_SERVER_HOSTNAME', portSetting: 'DATABRICKS_PORT' }),
    `connection refused by 127.0.0.1:${port} (ECONNREFUSED): nothing listens there; check the host and port in DATABRICKS_SERVER_HOSTNAME and DATABRICKS_PORT`,
  );
});

test('401 and 403 in words, other statuses left to the caller', () => {
  const fix = { grant: 'the role "Storage Blob Data Contributor" on the container in STATE_STORE', note: 'new assignments take a few minutes' };
  assert.equal(
    describeDenied(403, { host: 'acct.blob.core.windows.net', setting: 'STATE_STORE' }, fix),
    'HTTP 403 from acct.blob.core.windows.net (STATE_STORE): the identity is not allowed; it needs the role "Storage Blob Data Contributor" on the container in STATE_STORE; new assignments take a few minutes',
  );
  assert.equal(
    describeDenied(401, { host: 'acct.blob.core.windows.net', setting: 'STATE_STORE' }, fix),
    'HTTP 401 from acct.blob.core.windows.net (STATE_STORE): the credential was not accepted; check which identity is used (AZURE_CLIENT_ID), and that it has the role "Storage Blob Data Contributor" on the container in STATE_STORE; new assignments take a few minutes',
  );
  for (const status of [400, 404, 429, 500]) assert.equal(describeDenied(status, endpoint, fix), undefined);
});

test('token failures from the real @azure/identity error classes, in words and without secrets', () => {
  const scope = 'https://monitor.azure.com/.default';
  const chain = new AggregateAuthenticationError(
    [
      new CredentialUnavailableError('EnvironmentCredential is unavailable. No underlying credential could be used.'),
      new CredentialUnavailableError('ManagedIdentityCredential: Network unreachable. Message: network_error: See https://aka.ms/msal.js.errors#network_error for details'),
      new CredentialUnavailableError('Azure CLI could not be found.'),
    ],
    'ChainedTokenCredential authentication failed.',
  );
  const unavailable = explainTokenFailure(chain, scope);
  assert.equal(unavailable.kind, 'unavailable');
  assert.equal(unavailable.message, `no Microsoft Entra token for ${scope}: no credential was available (managed identity: no identity endpoint answered). ${IDENTITY_FIX}`);
  assert.equal(unavailable.chain.length, 3);
  assert.equal(explainTokenFailure(unavailable, scope), unavailable, 'already explained: unchanged');

  const refused = explainTokenFailure(
    new AuthenticationError(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided. Ensure the secret being sent is s3cr3t-value-here.\r\nTrace ID: 1' }),
    scope,
    ['s3cr3t-value-here'],
  );
  assert.equal(refused.kind, 'refused');
  assert.equal(
    refused.message,
    `no Microsoft Entra token for ${scope}: Microsoft Entra refused the credential (AADSTS7000215: Invalid client secret provided.). Check AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET, or the managed identity that AZURE_CLIENT_ID names`,
  );
  assert.ok(!refused.chain.join(' ').includes('s3cr3t-value-here'), 'secrets are taken out of the debug chain too');

  const other = explainTokenFailure(new Error('socket hang up\nwith a second line'), scope);
  assert.equal(other.message, `no Microsoft Entra token for ${scope}: socket hang up`);
});

test('redact: planted values, JWT-shaped tokens and header credentials', () => {
  const jwt = 'eyJhbGciOiJub25lIn0.eyJhdWQiOiJ4In0.sig';
  assert.equal(
    redact(`header=plantedvalue token ${jwt} Authorization: Bearer abcdefghijkl "x-identity-header": "hdr"`, ['plantedvalue']),
    'header=[redacted] token [token] Authorization: [redacted] "x-identity-header": [redacted]',
  );
});

test('a failed token request is held: callers within holdFailureMs get the same error without a new request', async () => {
  let clock = 1_000_000;
  let calls = 0;
  const failing: TokenCredential = {
    async getToken(): Promise<AccessToken> {
      calls++;
      throw new CredentialUnavailableError('ManagedIdentityCredential: Network unreachable.');
    },
  };
  const log = memoryLogger();
  const source = cachedTokenSource(failing, 'https://held.example/.default', { now: () => clock, holdFailureMs: 60_000, log });
  const first = await source.getToken().catch((e: unknown) => e);
  assert.ok(first instanceof AzureTokenError);
  clock += 59_999;
  assert.equal(await source.getToken().catch((e: unknown) => e), first);
  assert.equal(calls, 1);
  assert.deepEqual(log.lines.map((l) => [l.level, l.message]), [['debug', 'azure token request failed']], 'the chain once, at debug');
  clock += 1;
  await assert.rejects(source.getToken(), AzureTokenError);
  assert.equal(calls, 2, 'asked again once the hold is over');
});

test('when no credential is available, other scopes of the same credential fail at once with their own scope', async () => {
  let calls = 0;
  const none: TokenCredential = {
    async getToken(): Promise<AccessToken> {
      calls++;
      throw new AggregateAuthenticationError([new CredentialUnavailableError('EnvironmentCredential is unavailable.')], 'ChainedTokenCredential authentication failed.');
    },
  };
  const credential = explainingCredential(none);
  await assert.rejects(credential.getToken('https://dev.azuresynapse.net/.default'), /^AzureTokenError: no Microsoft Entra token for https:\/\/dev\.azuresynapse\.net\/\.default: no credential was available\. To fix/);
  await assert.rejects(credential.getToken('https://monitor.azure.com/.default'), /no Microsoft Entra token for https:\/\/monitor\.azure\.com\/\.default: no credential was available/);
  assert.equal(calls, 1);
});
