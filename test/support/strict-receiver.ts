import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { beforeEach } from 'node:test';
import type { AddressInfo, Socket } from 'node:net';
import { decodeWriteRequestBody, type DecodedRequest } from './prompb';
import { forSuite } from './suite';

/** What the receiver does with one request. */
export type Reply =
  | { status: number; headers?: Record<string, string>; body?: string; delayMs?: number }
  | { destroy: true; delayMs?: number }
  | { hang: true };

export interface ReceivedRequest {
  method: string;
  path: string;
  /** The client's port: requests on one keep-alive connection share it. */
  remotePort: number;
  headers: IncomingHttpHeaders;
  /** The raw (compressed) body as received. */
  body: Buffer;
  decoded?: DecodedRequest;
  /** Protocol violations found in this request (empty when it is strictly valid). */
  violations: string[];
  atMs: number;
}

export interface StrictReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Replies for the next requests, in order; once used up, 204. */
  script: Reply[];
  /** Or a function deciding each reply (takes precedence over `script`). */
  decide?: (request: ReceivedRequest, index: number) => Reply;
  /** Every sample accepted (2xx), per series key `name{...}`, as [timestampMs, value bits]. */
  accepted: Map<string, Array<{ timestampMs: number; value: number; stale: boolean }>>;
  close(): Promise<void>;
}

const FRAMED_MAGIC = Buffer.from([0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x50, 0x59]);
const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * An in-process remote-write 1.0 receiver (loopback, port 0) that checks every request strictly and decodes it
 * independently (test/support/prompb.ts: protobufjs reflection + snappyjs). Each request is recorded with its
 * headers, raw and decoded body, arrival time and the protocol violations found (empty when strictly valid):
 * method POST; headers exactly `Content-Encoding: snappy`, `Content-Type: application/x-protobuf`,
 * `X-Prometheus-Remote-Write-Version: 0.1.0`, `User-Agent: lakepulse/x.y.z`; a Snappy block body (not framed);
 * labels sorted, unique, non-empty names and values, valid names, `__name__` present and valid; integer ms timestamps.
 * Replies are scripted per request: a status with headers and body, optionally after a delay; destroying the socket
 * (after a delay); or never answering.
 */
export async function startStrictReceiver(): Promise<StrictReceiver> {
  const sockets = new Set<Socket>();
  const receiver: StrictReceiver = { url: '', requests: [], script: [], accepted: new Map(), close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const request: ReceivedRequest = { method: req.method ?? '', path: req.url ?? '', remotePort: req.socket.remotePort ?? 0, headers: req.headers, body, violations: [], atMs: Date.now() };
      const v = request.violations;
      if (req.method !== 'POST') v.push(`method ${req.method}`);
      if (req.headers['content-encoding'] !== 'snappy') v.push('Content-Encoding is not snappy');
      if (req.headers['content-type'] !== 'application/x-protobuf') v.push('Content-Type is not application/x-protobuf');
      if (req.headers['x-prometheus-remote-write-version'] !== '0.1.0') v.push('X-Prometheus-Remote-Write-Version is not 0.1.0');
      if (!/^lakepulse\/\d+\.\d+\.\d+$/.test(req.headers['user-agent'] ?? '')) v.push(`User-Agent is not lakepulse/<version>: ${req.headers['user-agent']}`);
      if (Number(req.headers['content-length']) !== body.length) v.push('Content-Length does not match the body');
      if (body.subarray(0, 10).equals(FRAMED_MAGIC)) v.push('framed snappy');
      try {
        request.decoded = decodeWriteRequestBody(body);
        for (const ts of request.decoded.timeseries) {
          const names = ts.labels.map((l) => l.name);
          for (let i = 1; i < names.length; i++) if (!(names[i - 1]! < names[i]!)) v.push(`labels not sorted/unique: ${names.join(',')}`);
          if (ts.samples.length === 0) v.push('series without samples');
          for (const l of ts.labels) {
            if (l.name === '') v.push('empty label name');
            if (l.value === '') v.push(`empty value for ${l.name}`);
            if (l.name !== '__name__' && !LABEL.test(l.name)) v.push(`bad label name ${l.name}`);
          }
          const name = ts.labels.find((l) => l.name === '__name__')?.value;
          if (!name || !NAME.test(name)) v.push(`bad or missing __name__ ${name}`);
          for (let k = 0; k < ts.samples.length; k++) {
            const at = ts.samples[k]!.timestampMs;
            if (!Number.isSafeInteger(at)) v.push('non-integer timestamp');
            if (k > 0 && !(at > ts.samples[k - 1]!.timestampMs)) v.push('samples not in increasing timestamp order');
          }
        }
      } catch (err) {
        v.push(`undecodable body: ${(err as Error).message}`);
      }
      const index = receiver.requests.length;
      receiver.requests.push(request);
      const reply: Reply = receiver.decide ? receiver.decide(request, index) : (receiver.script.shift() ?? { status: 204 });
      if ('hang' in reply) return; // never answer
      const delay = reply.delayMs ?? 0;
      setTimeout(() => {
        if ('destroy' in reply) {
          req.socket.destroy();
          return;
        }
        if (req.socket.destroyed) return; // the client gave up (timeout, abort): it can never learn of a success
        if (reply.status >= 200 && reply.status < 300 && request.decoded) {
          for (const ts of request.decoded.timeseries) {
            const key = ts.labels.map((l) => `${l.name}=${l.value}`).join(',');
            const list = receiver.accepted.get(key) ?? [];
            for (const s of ts.samples) list.push({ timestampMs: s.timestampMs, value: s.value, stale: s.stale });
            receiver.accepted.set(key, list);
          }
        }
        res.writeHead(reply.status, reply.headers).end(reply.body ?? '');
      }, delay);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`;
  receiver.close = () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return receiver;
}

/**
 * One strict receiver for a test file: started before its tests, closed after them, with the recorded requests,
 * scripted replies and accepted samples cleared before each test.
 */
export function strictReceiverForSuite(): StrictReceiver {
  const rx = forSuite(startStrictReceiver, (r) => r.close());
  beforeEach(() => {
    rx.requests.length = 0;
    rx.script.length = 0;
    rx.decide = undefined;
    rx.accepted.clear();
  });
  return rx;
}
