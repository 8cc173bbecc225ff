import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { thrift as databricksThrift } from '@databricks/sql';
import { TBinaryProtocol, TBufferedTransport } from 'thrift';
import { selfSignedCertificate } from './certificate';
import { SystemTablesEngine } from './engine';
import { syntheticDataset, writeDatasetNdjson } from './synthetic';
import { noFaults } from './faults';
import { createHandler, type DatabricksFaults, type DatabricksStats } from './thrift-service';

export { syntheticDataset, writeDatasetNdjson, LAKEPULSE_CLIENT_APPLICATION, type Dataset } from './synthetic';
export type { DatabricksFaults, DatabricksStats } from './thrift-service';
export { applyFaultSettings, FAULT_SETTINGS } from './faults';
export type { StatementParameter } from './sql-rewrite';

export interface DatabricksEmulatorOptions {
  /** NDJSON directory (`<schema>.<table>.ndjson`); default: the built-in synthetic data set. */
  dataDir?: string;
  /** The warehouse's clock; default the real one. The built-in data set is generated around it. */
  now?: () => number;
  /** A fixed clock (milliseconds since the epoch); used when `now` is not given. */
  nowMs?: number;
  /** Seed of the built-in data set (default 42). */
  seed?: number;
  /** Listen address, default 127.0.0.1. */
  host?: string;
  port?: number;
  httpPath?: string;
  /** Largest page of rows the emulator sends (direct results and FetchResults), default 1000. */
  pageSize?: number;
  /** How long ExecuteStatement waits for the result before answering "running" (the driver then polls); default 1000. */
  asyncAfterMs?: number;
  /** The catalog name the SQL uses for system schemas. */
  catalog?: string;
}

export interface DatabricksEmulator {
  hostname: string;
  port: number;
  httpPath: string;
  caCertPem: string;
  /** The PEM in a file, for DATABRICKS_CA_CERT. */
  caCertPath: string;
  /** The personal access token the emulator accepts. */
  token: string;
  /** OAuth M2M client the token endpoint accepts. */
  clientId: string;
  clientSecret: string;
  /** Host name with the OAuth path (`*.cloud.databricks.com`); reach it through `proxyPort` (HTTP CONNECT). */
  oauthHostname: string;
  /** Port of the HTTP CONNECT proxy on 127.0.0.1 that tunnels `oauthHostname:443` into the emulator's TLS server. */
  proxyPort: number;
  /** Connection settings as Lakepulse reads them. */
  env: Record<string, string>;
  faults: DatabricksFaults;
  stats: DatabricksStats;
  close(): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const TCLIService = (databricksThrift as any).TCLIService as { Processor: new (handler: unknown) => { process(input: unknown, output: unknown): void } };

/**
 * A local Databricks SQL warehouse for the real `@databricks/sql` driver: HTTPS with its own certificate, the
 * TCLIService Thrift calls the driver makes, the OAuth M2M discovery and token endpoints, and DuckDB holding the
 * system tables. Faults on demand through `faults`.
 */
export async function startDatabricksEmulator(options: DatabricksEmulatorOptions = {}): Promise<DatabricksEmulator> {
  const fixedNow = options.nowMs;
  const now = options.now ?? (fixedNow !== undefined ? () => fixedNow : Date.now);
  const work = await mkdtemp(join(tmpdir(), 'lakepulse-dbx-'));
  let dataDir = options.dataDir;
  if (dataDir === undefined) {
    dataDir = join(work, 'data');
    await writeDatasetNdjson(dataDir, syntheticDataset(now(), options.seed));
  }
  const catalog = options.catalog ?? 'system';
  const engine = await SystemTablesEngine.open(dataDir, { catalog });
  const host = options.host ?? '127.0.0.1';
  const oauthHostname = 'emulator.cloud.databricks.com';
  const cert = selfSignedCertificate({ commonName: 'Lakepulse Databricks emulator', dnsNames: ['localhost', oauthHostname], ipAddresses: ['127.0.0.1'] });
  const caCertPath = join(work, 'ca.pem');
  writeFileSync(caCertPath, cert.certPem);
  const httpPath = options.httpPath ?? '/sql/1.0/warehouses/emulator';
  const token = `dapi${randomBytes(16).toString('hex')}`;
  const clientId = 'lakepulse-emulator-client';
  const clientSecret = `dose${randomBytes(16).toString('hex')}`;
  const oauthTokens = new Map<string, number>();
  const faults: DatabricksFaults = noFaults();
  const stats: DatabricksStats = { statements: 0, sqlLog: [], userAgents: [], callUserAgents: [], calls: {}, sessionConfiguration: {}, lastParameters: [] };
  const service = { engine, faults, stats, pageSize: options.pageSize ?? 1000, now, catalog, userAgent: '', asyncAfterMs: options.asyncAfterMs ?? 1000 };
  const processor = new TCLIService.Processor(createHandler(service));
  const sockets = new Set<Socket>();

  const authorized = (req: IncomingMessage): boolean => {
    const auth = req.headers.authorization ?? '';
    if (auth === `Bearer ${token}`) return true;
    const exp = oauthTokens.get(auth.replace(/^Bearer /, ''));
    return exp !== undefined && exp > Date.now();
  };

  const thriftCall = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    if (faults.coldStartCalls > 0) {
      faults.coldStartCalls -= 1;
      stats.calls['HTTP 503'] = (stats.calls['HTTP 503'] ?? 0) + 1;
      return void res.writeHead(503, { 'Retry-After': '1' }).end('The SQL warehouse is starting');
    }
    if (!authorized(req)) {
      stats.calls['HTTP 401'] = (stats.calls['HTTP 401'] ?? 0) + 1;
      return void res.writeHead(401).end('Invalid access token.');
    }
    service.userAgent = String(req.headers['user-agent'] ?? '');
    TBufferedTransport.receiver((transport: unknown) => {
      const input = new TBinaryProtocol(transport as never);
      const output = new TBinaryProtocol(new TBufferedTransport(undefined, (buf?: Buffer) => res.writeHead(200, { 'Content-Type': 'application/x-thrift' }).end(buf)) as never);
      try {
        processor.process(input, output);
      } catch (err) {
        // A request the processor cannot even decode; answering 400 (not 5xx) keeps the driver from retrying.
        if (!res.headersSent) res.writeHead(400).end(`Malformed Thrift call: ${(err as Error).message}`);
      }
    }, 0)(body);
  };

  const oauth = (req: IncomingMessage, res: ServerResponse, body: Buffer, url: URL) => {
    const json = (status: number, value: unknown) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(value));
    const origin = `https://${req.headers.host ?? 'localhost'}`;
    const counted = (name: string) => (stats.calls[name] = (stats.calls[name] ?? 0) + 1);
    if (req.method === 'GET' && url.pathname === '/oidc/.well-known/oauth-authorization-server') {
      counted('OAuthDiscovery');
      return json(200, { issuer: `${origin}/oidc`, token_endpoint: `${origin}/oidc/v1/token`, authorization_endpoint: `${origin}/oidc/v1/authorize` });
    }
    if (req.method === 'POST' && url.pathname === '/oidc/v1/token') {
      counted('OAuthToken');
      const basic = Buffer.from(String(req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString('utf8');
      const form = new URLSearchParams(body.toString('utf8'));
      const [id, secret] = basic.includes(':') ? [basic.slice(0, basic.indexOf(':')), basic.slice(basic.indexOf(':') + 1)] : [form.get('client_id'), form.get('client_secret')];
      if (form.get('grant_type') !== 'client_credentials') return json(400, { error: 'unsupported_grant_type' });
      if (id !== clientId || secret !== clientSecret) return json(401, { error: 'invalid_client', error_description: 'Client authentication failed' });
      const exp = Math.floor(Date.now() / 1000) + 3600;
      const jwt = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ exp, sub: id, scope: form.get('scope') })).toString('base64url')}.emulator`;
      oauthTokens.set(jwt, exp * 1000);
      return json(200, { access_token: jwt, token_type: 'Bearer', expires_in: 3600, scope: form.get('scope') ?? 'all-apis' });
    }
    json(404, { error_code: 'ENDPOINT_NOT_FOUND', message: `No API found for '${req.method} ${url.pathname}'` });
  };

  const server: Server = createServer({ key: cert.keyPem, cert: cert.certPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'https://localhost');
      if (req.method === 'POST' && url.pathname === httpPath) thriftCall(req, res, body);
      else oauth(req, res, body, url);
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const { port } = server.address() as AddressInfo;

  // HTTP CONNECT proxy: the driver only does Databricks OAuth for *.cloud.databricks.com hosts, so a client connects to
  // `oauthHostname:443` through this proxy (the driver's `proxy` option) and lands in the TLS server above.
  const proxy = createHttpServer((_req, res) => res.writeHead(405).end('CONNECT only'));
  proxy.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    if ((req.url ?? '').toLowerCase() !== `${oauthHostname}:443`) return void client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    const upstream = netConnect(port, hostname, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const proxyPort = (proxy.address() as AddressInfo).port;
  const hostname = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    hostname,
    port,
    httpPath,
    caCertPem: cert.certPem,
    caCertPath,
    token,
    clientId,
    clientSecret,
    oauthHostname,
    proxyPort,
    env: {
      DATABRICKS_SERVER_HOSTNAME: hostname,
      DATABRICKS_PORT: String(port),
      DATABRICKS_HTTP_PATH: httpPath,
      DATABRICKS_CA_CERT: caCertPath,
      DATABRICKS_AUTH: 'pat',
      DATABRICKS_TOKEN: token,
    },
    faults,
    stats,
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all([server, proxy].map((srv) => new Promise<void>((resolve) => srv.close(() => resolve()))));
      await engine.close();
      await rm(work, { recursive: true, force: true });
    },
  };
}
