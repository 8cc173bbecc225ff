import { randomBytes } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback-server';

/**
 * A managed-identity endpoint speaking the App Service protocol, as the real @azure/identity (through msal-node)
 * uses it when IDENTITY_ENDPOINT and IDENTITY_HEADER are set (see lib/azure/credential.ts for how the library picks
 * them up):
 *   GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=<resource>[&client_id=<id>]   X-IDENTITY-HEADER: <secret>
 *   → 200 { access_token, expires_on: "<Unix seconds>", resource, token_type: "Bearer", client_id }
 * A missing or wrong header answers 401, a missing resource or api-version 400, both as { error, error_description }
 * which msal turns into its error message. Tokens are JWT-shaped (unsigned) with `aud` = resource, and
 * `verify(token, resource)` accepts a token only for the resource it was issued for and only until it expires, so an
 * emulated service checks what a real one would.
 */
export interface IdentityEmulator {
  /** `http://127.0.0.1:<port>/msi/token` */
  endpoint: string;
  /** The secret that X-IDENTITY-HEADER must carry. */
  header: string;
  env: { IDENTITY_ENDPOINT: string; IDENTITY_HEADER: string };
  /** Every token issued, in order (resource without `/.default`). */
  issued: Array<{ resource: string; clientId?: string }>;
  /** Every request that reached the endpoint path, refused ones included. */
  requests: number;
  /** Lifetime of tokens issued from now on (default 3600). Zero or negative issues already-expired tokens. */
  expiresInSeconds: number;
  /** The next `n` well-authenticated requests answer `status` (e.g. 500) instead of a token. */
  failNext(n: number, status: number): void;
  /** True only for a token this emulator issued for `resource` (a scope `<resource>/.default` also matches) that has not expired. */
  verify(token: string, resource: string): boolean;
  close(): Promise<void>;
}

export interface IdentityEmulatorOptions {
  port?: number;
  /** The expected X-IDENTITY-HEADER value; random by default. */
  header?: string;
}

const API_VERSION = '2019-08-01';
const TOKEN_PATH = '/msi/token';
/** `{"alg":"none","typ":"JWT"}` */
const JWT_HEADER = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');

export async function startIdentityEmulator(options: IdentityEmulatorOptions = {}): Promise<IdentityEmulator> {
  const header = options.header ?? randomBytes(16).toString('hex');
  const tokens = new Map<string, { resource: string; expiresOnMs: number }>();
  let failures = { n: 0, status: 500 };

  const emulator: IdentityEmulator = {
    endpoint: '',
    header,
    env: { IDENTITY_ENDPOINT: '', IDENTITY_HEADER: header },
    issued: [],
    requests: 0,
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

  const issue = (resource: string, clientId: string | undefined) => {
    const nowS = Math.floor(Date.now() / 1000);
    const expiresOn = nowS + emulator.expiresInSeconds;
    const claims = { aud: resource, iss: 'https://sts.windows.net/00000000-0000-0000-0000-000000000000/', iat: nowS, nbf: nowS, exp: expiresOn, appid: clientId ?? 'system-assigned', jti: randomBytes(8).toString('hex') };
    const token = `${JWT_HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
    tokens.set(token, { resource, expiresOnMs: expiresOn * 1000 });
    emulator.issued.push({ resource, ...(clientId ? { clientId } : {}) });
    return { access_token: token, expires_on: String(expiresOn), resource, token_type: 'Bearer', client_id: clientId ?? 'system-assigned' };
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== TOKEN_PATH) return json(res, 404, { error: 'not_found', error_description: `only GET ${TOKEN_PATH}` });
    emulator.requests += 1;
    if (req.headers['x-identity-header'] !== header) return json(res, 401, { error: 'unauthorized', error_description: 'X-IDENTITY-HEADER is missing or wrong' });
    if (failures.n > 0) {
      failures.n -= 1;
      return json(res, failures.status, { error: 'unavailable', error_description: 'injected failure' });
    }
    const resource = url.searchParams.get('resource');
    if (!resource || url.searchParams.get('api-version') !== API_VERSION) {
      return json(res, 400, { error: 'invalid_request', error_description: `resource and api-version=${API_VERSION} are required` });
    }
    json(res, 200, issue(normaliseResource(resource), url.searchParams.get('client_id') ?? undefined));
  });
  const listener = await listenOnLoopback(server, options.port ?? 0);
  emulator.endpoint = `http://127.0.0.1:${listener.port}${TOKEN_PATH}`;
  emulator.env.IDENTITY_ENDPOINT = emulator.endpoint;
  emulator.close = listener.close;
  return emulator;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

/** `https://x/.default` scopes and `https://x` / `https://x/` resources name the same audience. */
function normaliseResource(resource: string): string {
  return resource.replace(/\/\.default$/, '').replace(/\/+$/, '');
}
