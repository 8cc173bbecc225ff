import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from '../../lib/emulators/loopback-server';

/** What reached a loopback query endpoint. */
export interface SeenRequest {
  method: string;
  path: string;
  contentType: string;
  authorization?: string;
  body: string;
}

export interface QueryEndpoint {
  url: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

async function read(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A loopback query endpoint whose answer `handler` decides, recording every request. */
export async function startQueryEndpoint(handler: (req: SeenRequest, res: ServerResponse) => Promise<void> | void): Promise<QueryEndpoint> {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    void read(req).then(async (body) => {
      const r: SeenRequest = { method: req.method ?? '', path: req.url ?? '', contentType: String(req.headers['content-type'] ?? ''), body, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) };
      seen.push(r);
      await handler(r, res);
    });
  });
  const listener = await listenOnLoopback(server);
  return { url: `http://127.0.0.1:${listener.port}`, seen, close: () => listener.close() };
}

/**
 * Azure Monitor's query endpoint in miniature: a bearer token that `accepts` must come with each request (else 401,
 * as Azure answers), and the form-encoded query is then passed on to a real Prometheus.
 */
export function authorizingProxy(upstream: string, accepts: (token: string) => boolean) {
  return startQueryEndpoint(async (req, res) => {
    const token = /^Bearer (.+)$/.exec(req.authorization ?? '')?.[1];
    if (token === undefined || !accepts(token)) {
      res.writeHead(401, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { code: 'InvalidAuthenticationToken', message: 'token missing or not for this resource' } }));
      return;
    }
    const answer = await fetch(`${upstream}${req.path}`, { method: req.method, headers: { 'Content-Type': req.contentType }, body: req.method === 'POST' ? req.body : undefined });
    res.writeHead(answer.status, { 'Content-Type': answer.headers.get('content-type') ?? 'application/json' }).end(await answer.text());
  });
}
