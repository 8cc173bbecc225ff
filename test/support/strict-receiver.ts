import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { decodeWriteRequestBody, type DecodedRequest } from './prompb';

/** What the receiver does with one request. */
export type Reply =
  | { status: number; headers?: Record<string, string>; body?: string; delayMs?: number }
  | { destroy: true; delayMs?: number }
  | { hang: true };

export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
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

/** An in-process remote-write 1.0 receiver that checks every request strictly and decodes it independently. */
export async function startStrictReceiver(): Promise<StrictReceiver> {
  const sockets = new Set<Socket>();
  const receiver: StrictReceiver = { url: '', requests: [], script: [], accepted: new Map(), close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const request: ReceivedRequest = { headers: req.headers, violations: [], atMs: Date.now() };
      const v = request.violations;
      if (req.method !== 'POST') v.push(`method ${req.method}`);
      if (req.headers['content-encoding'] !== 'snappy') v.push('Content-Encoding is not snappy');
      if (req.headers['content-type'] !== 'application/x-protobuf') v.push('Content-Type is not application/x-protobuf');
      if (req.headers['x-prometheus-remote-write-version'] !== '0.1.0') v.push('X-Prometheus-Remote-Write-Version is not 0.1.0');
      if (!/^lakepulse\/\d+\.\d+\.\d+/.test(req.headers['user-agent'] ?? '')) v.push('User-Agent lacks name/version');
      if (body.subarray(0, 10).equals(FRAMED_MAGIC)) v.push('framed snappy');
      try {
        request.decoded = decodeWriteRequestBody(body);
        for (const ts of request.decoded.timeseries) {
          const names = ts.labels.map((l) => l.name);
          for (let i = 1; i < names.length; i++) if (!(names[i - 1]! < names[i]!)) v.push(`labels not sorted/unique: ${names.join(',')}`);
          for (const l of ts.labels) {
            if (l.value === '') v.push(`empty value for ${l.name}`);
            if (l.name !== '__name__' && !LABEL.test(l.name)) v.push(`bad label name ${l.name}`);
          }
          const name = ts.labels.find((l) => l.name === '__name__')?.value;
          if (!name || !NAME.test(name)) v.push(`bad or missing __name__ ${name}`);
          for (const s of ts.samples) if (!Number.isSafeInteger(s.timestampMs)) v.push('non-integer timestamp');
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
