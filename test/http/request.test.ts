import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { selfSignedCertificate } from '../../lib/emulators/databricks/certificate';
import { listenOnLoopback } from '../../lib/emulators/loopback-server';
import { describeConnectionFailure } from '../../lib/failure-messages';
import { HttpBodyTooLargeError, HttpConnectionError, httpRequest, HttpTimeoutError, type HttpRequestOptions } from '../../lib/http/request';
import { isRecoverableNetworkError, networkErrorCode } from '../../lib/remote-write/retry';
import { freePort } from '../support/ports';
import { forSuite } from '../support/suite';

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer, nthOnSocket: number) => void;

/** A loopback server whose handler each test sets; it counts new connections, and requests per connection. */
const server = forSuite(
  async () => {
    const state = {
      handler: ((_req, res) => void res.end('ok')) as Handler,
      connections: 0,
      requests: [] as Array<{ method: string; headers: IncomingMessage['headers']; body: Buffer; port: number }>,
    };
    const perSocket = new WeakMap<object, number>();
    const http = createServer((req, res) => {
      const n = (perSocket.get(req.socket) ?? 0) + 1;
      perSocket.set(req.socket, n);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        state.requests.push({ method: req.method ?? '', headers: req.headers, body, port: req.socket.remotePort ?? 0 });
        state.handler(req, res, body, n);
      });
    });
    http.keepAliveTimeout = 60_000; // the client's idle timeout, not the server's, ends idle connections here
    http.on('connection', () => state.connections++);
    const listener = await listenOnLoopback(http);
    return Object.assign(state, {
      url: (path = '/') => new URL(`http://127.0.0.1:${listener.port}${path}`),
      reset(handler: Handler) {
        state.handler = handler;
        state.connections = 0;
        state.requests.length = 0;
      },
      close: () => listener.close(),
    });
  },
  (s) => s.close(),
);

const get = (over: Partial<HttpRequestOptions> = {}): HttpRequestOptions => ({ method: 'GET', headers: {}, timeoutMs: 2000, maxBytes: 1024 * 1024, ...over });

test('sequential and concurrent requests reuse kept-alive connections', async () => {
  server.reset((_req, res) => void res.end('x'.repeat(50_000)));
  for (let i = 0; i < 10; i++) {
    const r = await httpRequest(server.url(), get());
    assert.equal(r.status, 200);
    assert.equal(r.body.length, 50_000);
  }
  assert.ok(server.connections <= 1);
  assert.equal(new Set(server.requests.map((q) => q.port)).size, 1, '10 sequential GETs on one connection');
  server.reset((_req, res) => void setTimeout(() => res.end('y'), 20));
  await Promise.all(Array.from({ length: 4 }, () => httpRequest(server.url(), get())));
  await Promise.all(Array.from({ length: 4 }, () => httpRequest(server.url(), get())));
  assert.ok(server.connections <= 3, `8 GETs 4 at a time opened ${server.connections} new connections (one was idle already)`);
});

test('GETs ask for gzip and deflate; gzip, zlib deflate and raw deflate bodies are decoded', async () => {
  const text = 'spark_executor_metric{a="b"} 1\n'.repeat(5000);
  const encoded: Record<string, Buffer> = { '/gzip': gzipSync(text), '/deflate': deflateSync(text), '/raw': deflateRawSync(text) };
  server.reset((req, res) => {
    const body = encoded[req.url!]!;
    res.writeHead(200, { 'Content-Encoding': req.url === '/gzip' ? 'gzip' : 'deflate', 'Content-Length': body.length }).end(body);
  });
  for (const path of Object.keys(encoded)) {
    const r = await httpRequest(server.url(path), get());
    assert.equal(r.body.toString('utf8'), text, path);
  }
  assert.ok(server.requests.every((q) => q.headers['accept-encoding'] === 'gzip, deflate'));
  assert.equal(new Set(server.requests.map((q) => q.port)).size, 1, 'decoded bodies leave the connection reusable');
});

test('a body beyond maxBytes is refused (decoded size counted) without reading the rest; with read: head, its first bytes are kept', async () => {
  let sent = 0;
  server.reset((req, res) => {
    if (req.url === '/bomb') return void res.writeHead(200, { 'Content-Encoding': 'gzip' }).end(gzipSync(Buffer.alloc(4 * 1024 * 1024)));
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    sent = 0;
    res.writeHead(200);
    const pump = () => {
      while (sent < 64 * 1024 * 1024) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    res.on('close', () => res.destroy());
    pump();
  });
  await assert.rejects(httpRequest(server.url('/huge'), get({ maxBytes: 100_000 })), (err: unknown) => err instanceof HttpBodyTooLargeError && err.message === 'response larger than 100000 bytes');
  assert.ok(sent < 16 * 1024 * 1024, `the server was not drained (${sent} bytes written)`);
  await assert.rejects(httpRequest(server.url('/bomb'), get({ maxBytes: 1024 * 1024 })), HttpBodyTooLargeError, '4 MiB of zeros from a 4 KiB body');

  const head = await httpRequest(server.url('/huge'), get({ maxBytes: 1024, read: 'head', drainBytes: 128 * 1024 }));
  assert.equal(head.status, 200);
  assert.deepEqual(head.body, Buffer.alloc(1024, 0x61));
  assert.ok(sent < 16 * 1024 * 1024, 'drained only up to drainBytes, then closed');
});

test('read: head drains a small body so the connection is reused, and keeps a 4xx body', async () => {
  server.reset((_req, res) => void res.writeHead(404, { 'Retry-After': '3' }).end('no such thing here; ' + 'z'.repeat(20_000)));
  for (let i = 0; i < 3; i++) {
    const r = await httpRequest(server.url(), { method: 'POST', headers: {}, body: Buffer.from('b'), timeoutMs: 2000, maxBytes: 20, read: 'head' });
    assert.equal(r.status, 404);
    assert.equal(r.body.toString(), 'no such thing here; ');
    assert.equal(r.headers['retry-after'], '3');
  }
  assert.equal(new Set(server.requests.map((q) => q.port)).size, 1, 'one connection for the three');
  const whole = await httpRequest(server.url(), get());
  assert.equal(whole.status, 404, 'a status is an answer, not an error');
  assert.equal(whole.body.length, 'no such thing here; '.length + 20_000);
});

test('POST bodies arrive byte-exact with their Content-Length, and no Accept-Encoding is added', async () => {
  server.reset((_req, res, body) => void res.writeHead(200).end(createHash('sha256').update(body).digest('hex')));
  const body = randomBytes(300_000);
  const r = await httpRequest(server.url('/write'), { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body, timeoutMs: 2000, maxBytes: 100 });
  assert.equal(r.body.toString(), createHash('sha256').update(body).digest('hex'));
  const [q] = server.requests;
  assert.equal(q!.method, 'POST');
  assert.equal(q!.headers['content-length'], '300000');
  assert.equal(q!.headers['content-type'], 'application/x-protobuf');
  assert.equal(q!.headers['accept-encoding'], undefined);
});

test('the timeout covers the wait for the response and the body, and says which', async () => {
  server.reset((req, res) => {
    if (req.url === '/slow-head') return void setTimeout(() => res.end('late'), 1000);
    res.writeHead(200);
    res.write('part of it');
    setTimeout(() => res.end(), 1000);
  });
  const t0 = performance.now();
  await assert.rejects(httpRequest(server.url('/slow-head'), get({ timeoutMs: 100 })), (err: unknown) => err instanceof HttpTimeoutError && err.phase === 'response' && err.message === 'no response within 100 ms');
  await assert.rejects(httpRequest(server.url('/slow-body'), get({ timeoutMs: 100 })), (err: unknown) => err instanceof HttpTimeoutError && err.phase === 'body');
  assert.ok(performance.now() - t0 < 900, 'both cut short');
  assert.equal(networkErrorCode(new HttpTimeoutError(1, 'response')), 'TIMEOUT_ERR', 'retry.ts counts it as a recoverable timeout');
  // read: head: a body cut short by the timeout still gives the status.
  const head = await httpRequest(server.url('/slow-body'), get({ timeoutMs: 100, read: 'head', maxBytes: 100 }));
  assert.equal(head.status, 200);
  assert.equal(head.body.toString(), 'part of it');
});

test("the caller's abort rejects with its reason, and the listener is removed once the request settles", async () => {
  server.reset((_req, res) => void setTimeout(() => res.end('late'), 500));
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error('invocation over')), 30);
  const t0 = performance.now();
  await assert.rejects(httpRequest(server.url(), get({ signal: controller.signal })), /invocation over/);
  assert.ok(performance.now() - t0 < 400);
  await assert.rejects(httpRequest(server.url(), get({ signal: controller.signal })), /invocation over/, 'already aborted: not sent');

  server.reset((_req, res) => void res.end('fine'));
  const kept = new AbortController();
  for (let i = 0; i < 5; i++) await httpRequest(server.url(), get({ signal: kept.signal }));
  assert.equal(getEventListeners(kept.signal, 'abort').length, 0);

  // Twenty requests sharing one signal (as a cycle's budget): one listener between them, and the abort reaches all.
  server.reset((_req, res) => void setTimeout(() => res.end('late'), 500));
  const shared = new AbortController();
  const all = Array.from({ length: 20 }, () => httpRequest(server.url(), get({ signal: shared.signal })).then(() => 'answered', (e: Error) => e.message));
  assert.equal(getEventListeners(shared.signal, 'abort').length, 1);
  setTimeout(() => shared.abort(new Error('budget over')), 30);
  assert.deepEqual(await Promise.all(all), Array(20).fill('budget over'));
  assert.equal(getEventListeners(shared.signal, 'abort').length, 0);
});

test('a refused port keeps its code, in the shape failure-messages and retry classify', async () => {
  const port = await freePort();
  const err = await httpRequest(new URL(`http://127.0.0.1:${port}/x`), get()).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof HttpConnectionError);
  assert.equal((err.cause as NodeJS.ErrnoException).code, 'ECONNREFUSED');
  assert.equal(networkErrorCode(err), 'ECONNREFUSED');
  assert.equal(isRecoverableNetworkError(err), true);
  assert.equal(
    describeConnectionFailure(err, { host: `127.0.0.1:${port}`, setting: 'REMOTE_WRITE_URL' }),
    `connection refused by 127.0.0.1:${port} (ECONNREFUSED): nothing listens there; check the host and port in REMOTE_WRITE_URL`,
  );
});

test('a GET on a kept-alive connection the server drops unanswered is sent once more on a new one; a POST is not', async () => {
  // The second request on each connection is dropped unanswered, as by a server closing an idle connection.
  server.reset((_req, res, _body, n) => (n === 1 ? void res.end('first') : res.socket?.destroy()));
  assert.equal((await httpRequest(server.url(), get())).body.toString(), 'first');
  assert.equal((await httpRequest(server.url(), get())).body.toString(), 'first', 'resent on a new connection');
  assert.equal(server.connections, 2);
  const post = { method: 'POST' as const, headers: {}, body: Buffer.from('p'), timeoutMs: 2000, maxBytes: 100 };
  const err = await httpRequest(server.url(), post).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof HttpConnectionError, 'the POST fails');
  assert.equal(networkErrorCode(err), 'ECONNRESET');
  assert.equal(server.connections, 2);
});

test('a header value node refuses rejects at once, without a request', async () => {
  server.reset((_req, res) => void res.end('x'));
  const t0 = performance.now();
  await assert.rejects(httpRequest(server.url(), get({ headers: { 'X-Bad': 'a\nb' }, timeoutMs: 5000 })), { code: 'ERR_INVALID_CHAR' });
  assert.ok(performance.now() - t0 < 1000);
  assert.equal(server.requests.length, 0);
});

test('TLS is verified by default: a self-signed certificate is refused with its code', async () => {
  const cert = selfSignedCertificate({ commonName: '127.0.0.1', dnsNames: [], ipAddresses: ['127.0.0.1'] });
  const tls = createTlsServer({ key: cert.keyPem, cert: cert.certPem }, (_req, res) => void res.end('secret'));
  const listener = await listenOnLoopback(tls as unknown as import('node:http').Server);
  try {
    const err = await httpRequest(new URL(`https://127.0.0.1:${listener.port}/`), get()).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof HttpConnectionError);
    assert.equal(networkErrorCode(err), 'DEPTH_ZERO_SELF_SIGNED_CERT');
    assert.equal(isRecoverableNetworkError(err), false);
  } finally {
    await listener.close();
  }
});

/** Runs `script` in a fresh node process (NODE_EXTRA_CA_CERTS only works at start-up), with `request` bound to httpRequest. */
function runChild(script: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; exitAfterDoneMs: number }> {
  const modulePath = join(__dirname, '../../lib/http/request.js');
  const child = spawn(process.execPath, ['-e', `const { httpRequest: request } = require(${JSON.stringify(modulePath)});\n(async () => {\n${script}\n})().catch((e) => { console.log('failed', e); process.exitCode = 2; });`], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  let doneAt = 0;
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
    if (!doneAt && stdout.includes('done')) doneAt = performance.now();
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, exitAfterDoneMs: performance.now() - (doneAt || performance.now()) })));
}

test('over https with a trusted CA: keep-alive reuse, and a certificate for another name keeps node\'s code and reason', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lakepulse-http-'));
  const good = selfSignedCertificate({ commonName: '127.0.0.1', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  const other = selfSignedCertificate({ commonName: 'other.example', dnsNames: ['other.example'], ipAddresses: [] });
  await writeFile(join(dir, 'ca.pem'), good.certPem + other.certPem);
  let connections = 0;
  const goodServer = createTlsServer({ key: good.keyPem, cert: good.certPem }, (_req, res) => void res.end('hello over tls'));
  goodServer.keepAliveTimeout = 60_000;
  goodServer.on('secureConnection', () => connections++);
  const otherServer = createTlsServer({ key: other.keyPem, cert: other.certPem }, (_req, res) => void res.end('no'));
  const a = await listenOnLoopback(goodServer as unknown as import('node:http').Server);
  const b = await listenOnLoopback(otherServer as unknown as import('node:http').Server);
  try {
    const run = await runChild(
      `const opts = { method: 'GET', headers: {}, timeoutMs: 5000, maxBytes: 1000 };
      for (let i = 0; i < 3; i++) console.log((await request(new URL('https://127.0.0.1:${a.port}/'), opts)).body.toString());
      const err = await request(new URL('https://127.0.0.1:${b.port}/'), opts).then(() => undefined, (e) => e);
      console.log(JSON.stringify({ code: err.cause.code, reason: err.cause.reason }));
      console.log('done');`,
      { NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') },
    );
    assert.equal(run.code, 0, run.stdout);
    const lines = run.stdout.trim().split('\n');
    assert.deepEqual(lines.slice(0, 3), ['hello over tls', 'hello over tls', 'hello over tls']);
    assert.deepEqual(JSON.parse(lines[3]!), { code: 'ERR_TLS_CERT_ALTNAME_INVALID', reason: "IP: 127.0.0.1 is not in the cert's list: " });
    assert.equal(connections, 1, 'one TLS connection for three requests');
  } finally {
    await a.close();
    await b.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a process with idle kept-alive connections exits as soon as its work is done', async () => {
  server.reset((_req, res) => void res.end('bye'));
  const run = await runChild(`await request(new URL('${server.url().href}'), { method: 'GET', headers: {}, timeoutMs: 5000, maxBytes: 100 }); console.log('done');`);
  assert.equal(run.code, 0);
  assert.equal(server.connections, 1);
  // Held open, the idle socket would keep it alive for the 4 s idle timeout (the server keeps connections 60 s).
  assert.ok(run.exitAfterDoneMs < 1500, `exited ${run.exitAfterDoneMs.toFixed(0)} ms after its last request`);
});

