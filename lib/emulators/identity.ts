import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A managed-identity endpoint speaking the App Service protocol, as the real @azure/identity (through msal-node)
 * uses it when IDENTITY_ENDPOINT and IDENTITY_HEADER are set:
 *   GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=<resource>[&client_id=<id>]   X-IDENTITY-HEADER: <secret>
 *   → { access_token, expires_on (Unix seconds, string), resource, token_type: "Bearer", client_id }
 * Tokens are JWT-shaped with `aud` = resource, and `verify(token, resource)` accepts a token only for the resource
 * it was issued for, so emulated services can check what a real one would.
 */
export interface IdentityEmulator {
  endpoint: string;
  header: string;
  env: { IDENTITY_ENDPOINT: string; IDENTITY_HEADER: string };
  /** Every token issued, in order. */
  issued: Array<{ resource: string; clientId?: string }>;
  /** Token lifetime of the next tokens. */
  expiresInSeconds: number;
  /** The next `n` requests answer `status` (e.g. 500) instead of a token. */
  failNext(n: number, status: number): void;
  verify(token: string, resource: string): boolean;
  close(): Promise<void>;
}

export async function startIdentityEmulator(options: { port?: number } = {}): Promise<IdentityEmulator> {
  const header = randomBytes(16).toString('hex');
  const tokens = new Map<string, { resource: string; expiresOnMs: number }>();
  let failures: { n: number; status: number } = { n: 0, status: 500 };
  const emulator: IdentityEmulator = {
    endpoint: '',
    header,
    env: { IDENTITY_ENDPOINT: '', IDENTITY_HEADER: header },
    issued: [],
    expiresInSeconds: 3600,
    failNext(n, status) {
      failures = { n, status };
    },
    verify(token, resource) {
      const t = tokens.get(token);
      return t !== undefined && t.resource === normaliseResource(resource) && t.expiresOnMs > Date.now();
    },
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const json = (status: number, body: unknown) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    if (req.method !== 'GET' || url.pathname !== '/msi/token') return json(404, { error: 'not_found' });
    if (req.headers['x-identity-header'] !== header) return json(401, { error: 'unauthorized', error_description: 'X-IDENTITY-HEADER is missing or wrong' });
    if (failures.n > 0) {
      failures.n -= 1;
      return json(failures.status, { error: 'unavailable', error_description: 'injected failure' });
    }
    const resource = url.searchParams.get('resource');
    if (!resource || url.searchParams.get('api-version') !== '2019-08-01') return json(400, { error: 'invalid_request', error_description: 'resource and api-version=2019-08-01 are required' });
    const clientId = url.searchParams.get('client_id') ?? undefined;
    const expiresOn = Math.floor(Date.now() / 1000) + emulator.expiresInSeconds;
    const aud = normaliseResource(resource);
    const payload = Buffer.from(JSON.stringify({ aud, exp: expiresOn, appid: clientId ?? 'system-assigned', jti: randomBytes(8).toString('hex') })).toString('base64url');
    const token = `eyJhbGciOiJub25lIn0.${payload}.emulator`;
    tokens.set(token, { resource: aud, expiresOnMs: expiresOn * 1000 });
    emulator.issued.push({ resource: aud, ...(clientId ? { clientId } : {}) });
    json(200, { access_token: token, expires_on: String(expiresOn), resource: aud, token_type: 'Bearer', client_id: clientId ?? 'system-assigned' });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  emulator.endpoint = `http://127.0.0.1:${port}/msi/token`;
  emulator.env.IDENTITY_ENDPOINT = emulator.endpoint;
  emulator.close = () => new Promise((resolve) => server.close(() => resolve()));
  return emulator;
}

/** `https://x/.default` scopes and `https://x` resources name the same audience. */
function normaliseResource(resource: string): string {
  return resource.replace(/\/\.default$/, '').replace(/\/+$/, '');
}
