import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compress } from 'snappyjs';
import { ConfigError } from '../../lib/errors';
import { createClient, MAX_ERROR_BODY_BYTES } from '../../lib/remote-write/client';
import { VERSION } from '../../lib/version';
import { encodeWithProtobufjs } from '../support/prompb';
import { freePort } from '../support/ports';
import { strictReceiverForSuite } from '../support/strict-receiver';

const rx = strictReceiverForSuite();

/** A valid body made independently of lib/remote-write (protobufjs + snappyjs). */
function body(): Uint8Array {
  const raw = encodeWithProtobufjs({ timeseries: [{ labels: [{ name: '__name__', value: 'client_test' }], samples: [{ value: 1, timestampMs: Date.now() }] }] });
  return new Uint8Array(compress(Buffer.from(raw)));
}

const client = (over: Partial<Parameters<typeof createClient>[0]> = {}) => createClient({ url: new URL(rx.url), timeoutMs: 2000, ...over });

test('POSTs with exactly the remote-write 1.0 headers, and Retry-Attempt only on retries', async () => {
  const c = client({ headers: { 'X-Scope-OrgID': 'tenant-a' }, authorization: async () => 'Bearer t0ken' });
  assert.deepEqual(await c.send(body()), { status: 'sent', statusCode: 204 });
  assert.deepEqual(await c.send(body(), { attempt: 3 }), { status: 'sent', statusCode: 204 });
  const [first, retry] = rx.requests;
  assert.deepEqual(first!.violations, []);
  assert.equal(first!.method, 'POST');
  assert.equal(first!.path, '/api/v1/write');
  assert.equal(first!.headers['content-encoding'], 'snappy');
  assert.equal(first!.headers['content-type'], 'application/x-protobuf');
  assert.equal(first!.headers['x-prometheus-remote-write-version'], '0.1.0');
  assert.equal(first!.headers['user-agent'], `lakepulse/${VERSION}`);
  assert.equal(first!.headers['authorization'], 'Bearer t0ken');
  assert.equal(first!.headers['x-scope-orgid'], 'tenant-a');
  assert.equal(first!.headers['retry-attempt'], undefined);
  assert.equal(retry!.headers['retry-attempt'], '3');
});

test('status table: 2xx sent, 5xx and 429 retryable (with Retry-After), other 4xx rejected', async () => {
  const table: Array<[number, 'sent' | 'retryable' | 'rejected']> = [
    [200, 'sent'], [204, 'sent'], [400, 'rejected'], [401, 'rejected'], [403, 'rejected'], [404, 'rejected'], [409, 'rejected'],
    [413, 'rejected'], [422, 'rejected'], [429, 'retryable'], [500, 'retryable'], [502, 'retryable'], [503, 'retryable'], [504, 'retryable'],
  ];
  const c = client();
  for (const [status, expected] of table) {
    rx.script.push({ status, headers: { 'Retry-After': '7' }, body: `reason ${status}` });
    const r = await c.send(body());
    assert.equal(r.status, expected, String(status));
    if (r.status === 'sent') continue;
    assert.equal(r.statusCode, status);
    const host = new URL(rx.url).host;
    if (status === 401 || status === 403) {
      // No REMOTE_WRITE_AUTH: the cause in words, then the body verbatim.
      assert.equal(r.error, `HTTP ${status} from ${host} (REMOTE_WRITE_URL): the receiver wants credentials and none were sent; set REMOTE_WRITE_AUTH (azure, bearer or basic) and its settings. Receiver said: reason ${status}`);
    } else assert.equal(r.error, `HTTP ${status} from ${host}: reason ${status}`);
    if (r.status === 'retryable') assert.equal(r.retryAfterMs, 7000);
  }
  assert.equal(rx.requests.length, table.length, 'the client itself never retries');
});

test('an error body is read through a 1 KiB limit, verbatim', async () => {
  const text = 'é'.repeat(300) + '\n' + 'x'.repeat(10_000); // multi-byte characters and a newline stay as sent
  rx.script.push({ status: 400, body: text });
  const r = await client().send(body());
  assert.equal(r.status, 'rejected');
  const prefix = `HTTP 400 from ${new URL(rx.url).host}: `;
  assert.ok(r.error.startsWith(prefix));
  const expected = Buffer.from(text, 'utf8').subarray(0, MAX_ERROR_BODY_BYTES).toString('utf8');
  assert.equal(r.error.slice(prefix.length), expected);
});

test('response bodies are drained, so keep-alive connections are reused', async () => {
  const c = client();
  const n = 8;
  for (let i = 0; i < n; i++) {
    rx.script.push({ status: i % 2 ? 500 : 200, body: 'x'.repeat(20_000) });
    await c.send(body());
  }
  // undici may open a second connection while the first is being released; a cancelled (undrained) body would
  // instead cost a new connection per request.
  const ports = new Set(rx.requests.map((q) => q.remotePort));
  assert.ok(ports.size <= 2, `${n} requests used ${ports.size} connections`);
});

test('userinfo in the URL becomes Basic auth and never appears in errors', async () => {
  const url = new URL(rx.url);
  url.username = 'alice';
  url.password = 's3cret';
  rx.script.push({ status: 401, body: 'who?' });
  const r = await createClient({ url, timeoutMs: 1000 }).send(body());
  assert.equal(rx.requests[0]!.headers.authorization, `Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
  assert.ok(!JSON.stringify(r).includes('s3cret'));
});

test('network failures are retryable: refused, timeout, socket destroyed; the endpoint appears as host only', async () => {
  const port = await freePort();
  const refused = await createClient({ url: new URL(`http://user:pw@127.0.0.1:${port}/write?token=abc`), timeoutMs: 1000 }).send(body());
  assert.equal(refused.status, 'retryable');
  assert.equal(refused.status === 'retryable' ? refused.error : '', `connection refused by 127.0.0.1:${port} (ECONNREFUSED): nothing listens there; check the host and port in REMOTE_WRITE_URL`);
  assert.ok(!/abc|pw|token/.test(JSON.stringify(refused)), 'no query or userinfo in the error');

  rx.script.push({ status: 204, delayMs: 500 });
  const t0 = Date.now();
  const slow = await client({ timeoutMs: 100 }).send(body());
  assert.ok(Date.now() - t0 < 450, 'the timeout cut the wait short');
  assert.deepEqual(slow, { status: 'retryable', error: `no response from ${new URL(rx.url).host} within 100 ms (REMOTE_WRITE_TIMEOUT_MS)` });

  rx.script.push({ destroy: true });
  const reset = await client().send(body());
  assert.equal(reset.status, 'retryable');

  rx.script.push({ hang: true });
  const hung = await client().send(body(), { timeoutMs: 50 });
  assert.equal(hung.status, 'retryable');
});

test('the caller\'s abort rejects send instead of becoming an outcome', async () => {
  rx.script.push({ status: 204, delayMs: 300 });
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error('invocation over')), 20);
  await assert.rejects(client().send(body(), { signal: controller.signal }), /invocation over/);
});

test('a failing token source makes the attempt retryable without sending', async () => {
  const r = await client({ authorization: async () => Promise.reject(new Error('identity endpoint unavailable')) }).send(body());
  assert.equal(r.status, 'retryable');
  assert.match(r.status === 'retryable' ? r.error : '', /identity endpoint unavailable/);
  assert.equal(rx.requests.length, 0);
});

test('reserved headers cannot be set as custom headers', () => {
  const reserved = ['Content-Encoding', 'content-type', 'User-Agent', 'X-Prometheus-Remote-Write-Version', 'Authorization', 'Host',
    'Content-Length', 'Retry-Attempt', 'Proxy-Authorization', 'X-Amz-Date', 'Connection', ' keep-alive '];
  for (const name of reserved) {
    assert.throws(() => client({ headers: { [name]: 'x' } }), (err: unknown) => err instanceof ConfigError && err.message.includes('reserved') && err.message.includes(JSON.stringify(name)), name);
  }
  assert.doesNotThrow(() => client({ headers: { 'X-Scope-OrgID': 'a' } }));
});
