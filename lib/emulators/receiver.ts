import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { uncompress } from 'snappyjs';
import { PROTOCOL_VERSION, VERSION_HEADER } from '../remote-write/client';
import type { Series } from '../series';
import { decodeWriteRequest } from './write-request-decoder';

/** A local remote-write receiver for `npm start` and `lakepulse emulate`: accepts, decodes and keeps what arrives. */
export interface LocalReceiver {
  url: string;
  requests: number;
  series: Series[];
  rejected: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** `delayMs`: answer each request that long after it arrived (a receiver further away, for benchmarks). */
export async function startLocalReceiver(options: { port?: number; keep?: boolean; delayMs?: number } = {}): Promise<LocalReceiver> {
  const receiver: LocalReceiver = { url: '', requests: 0, series: [], rejected: 0, close: async () => {} };
  const server: Server = createServer((req, res) => {
    void readBody(req).then(
      (body) => {
        receiver.requests += 1;
        if (req.method !== 'POST' || req.headers['content-encoding'] !== 'snappy' || req.headers[VERSION_HEADER.toLowerCase()] !== PROTOCOL_VERSION) {
          receiver.rejected += 1;
          res.writeHead(400).end('expected a snappy-compressed remote-write 0.1.0 POST\n');
          return;
        }
        if (options.keep === false) {
          // Counting only (benchmarks): a remote receiver's decoding is not the sender's cost.
          if (options.delayMs) setTimeout(() => res.writeHead(204).end(), options.delayMs);
          else res.writeHead(204).end();
          return;
        }
        try {
          const decoded = decodeWriteRequest(uncompress(body));
          for (const s of decoded) receiver.series.push(s);
          res.writeHead(204).end();
        } catch (err) {
          receiver.rejected += 1;
          res.writeHead(400).end(`cannot decode body: ${(err as Error).message}\n`);
        }
      },
      () => res.writeHead(413).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  receiver.url = `http://127.0.0.1:${port}/api/v1/write`;
  receiver.close = () => new Promise((resolve) => server.close(() => resolve()));
  return receiver;
}

function readBody(req: IncomingMessage): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        req.destroy();
        reject(new Error('body too large'));
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
