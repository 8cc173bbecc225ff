import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { request } from 'node:https';
import { after, before, test } from 'node:test';
import { startDatabricksEmulator, type DatabricksEmulator } from '../../../lib/emulators/databricks';
import { openSession, query } from './client';

let emu: DatabricksEmulator;

before(async () => {
  emu = await startDatabricksEmulator({ nowMs: Date.parse('2026-03-10T12:00:00Z') });
});
after(() => emu.close());

function call(method: string, path: string, headers: Record<string, string> = {}, body = ''): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: emu.hostname, port: emu.port, path, method, headers, ca: emu.caCertPem }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const form = { 'Content-Type': 'application/x-www-form-urlencoded' };

test('OIDC discovery names the token endpoint on the host the client used', async () => {
  const { status, json } = await call('GET', '/oidc/.well-known/oauth-authorization-server');
  assert.equal(status, 200);
  assert.equal(json.token_endpoint, `https://${emu.hostname}:${emu.port}/oidc/v1/token`);
  assert.equal(json.issuer, `https://${emu.hostname}:${emu.port}/oidc`);
});

test('client credentials with Basic auth give a JWT-shaped token with exp, which the Thrift endpoint accepts', async () => {
  const { status, json } = await call('POST', '/oidc/v1/token', { ...form, Authorization: basic(emu.clientId, emu.clientSecret) }, 'grant_type=client_credentials&scope=all-apis');
  assert.equal(status, 200);
  assert.equal(json.token_type, 'Bearer');
  const parts = String(json.access_token).split('.');
  assert.equal(parts.length, 3);
  const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { exp: number };
  assert.ok(payload.exp > Date.now() / 1000 && payload.exp <= Date.now() / 1000 + Number(json.expires_in) + 5);
  const conn = await openSession(emu, { token: String(json.access_token) });
  try {
    assert.deepEqual(await query(conn.session, 'SELECT 1 AS x'), [{ x: 1 }]);
  } finally {
    await conn.close();
  }
});

test('a wrong client secret or grant type is refused', async () => {
  const wrong = await call('POST', '/oidc/v1/token', { ...form, Authorization: basic(emu.clientId, 'not-the-secret') }, 'grant_type=client_credentials&scope=all-apis');
  assert.equal(wrong.status, 401);
  assert.equal(wrong.json.error, 'invalid_client');
  assert.ok(!JSON.stringify(wrong.json).includes('not-the-secret'));
  const grant = await call('POST', '/oidc/v1/token', { ...form, Authorization: basic(emu.clientId, emu.clientSecret) }, 'grant_type=password');
  assert.equal(grant.status, 400);
});

test('the real driver does OAuth M2M through the CONNECT proxy to the *.cloud.databricks.com host (child process with NODE_EXTRA_CA_CERTS)', async () => {
  const script = `
    const { DBSQLClient } = require(process.env.DRIVER);
    (async () => {
      const client = new DBSQLClient({ logger: { log() {} } });
      await client.connect({ host: process.env.HOST, port: 443, path: process.env.HTTP_PATH, authType: 'databricks-oauth',
        oauthClientId: process.env.CLIENT_ID, oauthClientSecret: process.env.CLIENT_SECRET, telemetryEnabled: false,
        userAgentEntry: 'oauth-child', proxy: { protocol: 'http', host: '127.0.0.1', port: Number(process.env.PROXY_PORT) } });
      const session = await client.openSession();
      const op = await session.executeStatement('SELECT 40 + 2 AS answer');
      const rows = await op.fetchAll();
      await op.close(); await session.close(); await client.close();
      process.stdout.write(JSON.stringify(rows));
    })().catch((e) => { process.stderr.write(String(e && e.message || e)); process.exit(1); });`;
  const before = { token: emu.stats.calls.OAuthToken ?? 0, discovery: emu.stats.calls.OAuthDiscovery ?? 0 };
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['-e', script], {
      timeout: 30_000,
      env: {
        PATH: process.env.PATH ?? '', NODE_EXTRA_CA_CERTS: emu.caCertPath, DATABRICKS_TELEMETRY_DISABLED: '1', DRIVER: require.resolve('@databricks/sql'),
        HOST: emu.oauthHostname, HTTP_PATH: emu.httpPath, CLIENT_ID: emu.clientId, CLIENT_SECRET: emu.clientSecret, PROXY_PORT: String(emu.proxyPort),
      },
    }, (err, out, errOut) => (err ? reject(new Error(`child failed: ${errOut || err.message}`)) : resolve(out)));
  });
  assert.deepEqual(JSON.parse(stdout), [{ answer: 42 }]);
  assert.equal((emu.stats.calls.OAuthDiscovery ?? 0) - before.discovery, 1);
  assert.equal((emu.stats.calls.OAuthToken ?? 0) - before.token, 1);
  assert.match(emu.stats.userAgents.at(-1) ?? '', /\(oauth-child;/);
});

test('the proxy tunnels only the emulator OAuth host', async () => {
  const { connect } = await import('node:net');
  const reply = await new Promise<string>((resolve, reject) => {
    const socket = connect(emu.proxyPort, '127.0.0.1', () => socket.write('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'));
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString('utf8')));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
  assert.match(reply, /^HTTP\/1\.1 403/);
});
