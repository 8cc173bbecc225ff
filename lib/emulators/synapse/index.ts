import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { builtinSynapseDataset, type SparkApp, type SynapseDataset } from './dataset';
import { FilterSyntaxError, monitoringRow, parseFilter } from './monitoring';
import { renderExecutorsJson, renderPrometheusText } from './spark-output';

export { builtinSynapseDataset, syntheticLoadDataset, type SparkApp, type SparkExecutor, type SynapseDataset } from './dataset';

/** Faults on demand, per workspace name or per Spark application id. */
export interface SynapseFaults {
  /** Workspace → HTTP status for the monitoring list (e.g. 500). */
  discoveryStatus: Record<string, number>;
  /** Workspaces whose monitoring list answers a body that is not JSON. */
  truncateDiscovery: Set<string>;
  /** Workspaces that answer 401 to everything. */
  unauthorized: Set<string>;
  /** Workspace or application id → extra delay in ms. */
  slowMs: Record<string, number>;
  /** Application ids whose executor text is garbage. */
  malformedText: Set<string>;
  /** Application ids whose executor text is an empty 200 (JSON still works). */
  emptyText: Set<string>;
  /** Application ids answering 500 on both executor endpoints. */
  status500: Set<string>;
}

export interface SynapseEmulatorOptions {
  data?: SynapseDataset;
  port?: number;
  /** Added to every request (benchmarks use 50 ms). */
  latencyMs?: number;
  /** When given, every request needs a Bearer token this accepts for https://dev.azuresynapse.net. */
  identity?: { verify(token: string, resource: string): boolean };
  /** Monitoring list page size (the real page size is unknown; ≥ 51). */
  pageSize?: number;
  nowMs?: number;
}

export interface SynapseEmulator {
  baseUrl: string;
  workspaces: Array<{ name: string; endpoint: string }>;
  env: { SYNAPSE_WORKSPACES: string };
  faults: SynapseFaults;
  data: SynapseDataset;
  requests: { total: number; byKind: Record<string, number>; maxInFlightPerWorkspace: Record<string, number> };
  /** Ends an application now (it leaves the running list; its executors disappear). */
  endApplication(workspace: string, appId: string, state?: string): void;
  close(): Promise<void>;
}

const SYNAPSE_RESOURCE = 'https://dev.azuresynapse.net';
const EXECUTORS_PATH = /^\/livyapi\/versions\/[^/]+\/sparkpools\/([^/]+)\/sessions\/([^/]+)\/applications\/([^/]+)\/(metrics\/executors\/prometheus|executors)$/i;

/**
 * Synapse workspaces on one loopback server, each under `http://127.0.0.1:<port>/ws/<name>` and answering there as
 * `https://<name>.dev.azuresynapse.net` does: the monitoring list (paged with skip/nJobs, OData-like filter) and the
 * Livy-proxied Spark executor endpoints.
 */
export async function startSynapseEmulator(options: SynapseEmulatorOptions = {}): Promise<SynapseEmulator> {
  const data = options.data ?? builtinSynapseDataset(options.nowMs ?? Date.now());
  const pageSize = options.pageSize ?? 50;
  const inFlight: Record<string, number> = {};
  const faults: SynapseFaults = {
    discoveryStatus: {}, truncateDiscovery: new Set(), unauthorized: new Set(), slowMs: {}, malformedText: new Set(), emptyText: new Set(), status500: new Set(),
  };
  const sockets = new Set<Socket>();
  const emulator: SynapseEmulator = {
    baseUrl: '',
    workspaces: [],
    env: { SYNAPSE_WORKSPACES: '' },
    faults,
    data,
    requests: { total: 0, byKind: {}, maxInFlightPerWorkspace: {} },
    endApplication(workspace, appId, state = 'Succeeded') {
      const app = data.workspaces.find((w) => w.name === workspace)?.apps.find((a) => a.appId === appId);
      if (!app) throw new Error(`no application ${appId} in ${workspace}`);
      app.state = state;
      app.endTimeMs = Date.now();
      app.executors = [];
    },
    close: async () => {},
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = /^\/ws\/([^/]+)(\/.*)$/.exec(url.pathname);
    const json = (status: number, body: unknown): void => void res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
    if (!match) return json(404, { code: 'NotFound', message: 'unknown workspace path' });
    const wsName = decodeURIComponent(match[1]!);
    const path = match[2]!;
    const ws = data.workspaces.find((w) => w.name === wsName);
    if (!ws) return json(404, { code: 'WorkspaceNotFound', message: `workspace ${wsName} not found` });
    emulator.requests.total += 1;
    inFlight[wsName] = (inFlight[wsName] ?? 0) + 1;
    emulator.requests.maxInFlightPerWorkspace[wsName] = Math.max(emulator.requests.maxInFlightPerWorkspace[wsName] ?? 0, inFlight[wsName]!);
    try {
      const delay = (options.latencyMs ?? 0) + (faults.slowMs[wsName] ?? 0);
      if (delay) await new Promise((r) => setTimeout(r, delay));
      const auth = req.headers.authorization ?? '';
      if (faults.unauthorized.has(wsName) || (options.identity && !options.identity.verify(auth.replace(/^Bearer /, ''), SYNAPSE_RESOURCE))) {
        return json(401, { code: 'Unauthorized', message: 'Token Authentication failed - IDX10223: Lifetime validation failed or the token is not for https://dev.azuresynapse.net.' });
      }
      if (/^\/monitoring\/workloadtypes\/spark\/applications$/i.test(path)) return listApplications(ws.apps, wsName, url, json, res);
      const exec = EXECUTORS_PATH.exec(path);
      if (exec) return executors(ws.apps, exec, json, res);
      return json(404, { code: 'NotFound', message: `no route for ${path}` });
    } finally {
      inFlight[wsName]! -= 1;
    }
  };

  const count = (kind: string) => (emulator.requests.byKind[kind] = (emulator.requests.byKind[kind] ?? 0) + 1);

  const listApplications = (apps: SparkApp[], wsName: string, url: URL, json: (s: number, b: unknown) => void, res: ServerResponse) => {
    count('list');
    if (faults.discoveryStatus[wsName]) return json(faults.discoveryStatus[wsName]!, { code: 'InternalServerError', message: 'injected failure' });
    if (faults.truncateDiscovery.has(wsName)) return void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"nJobs": 12, "sparkJobs": [{"state": "InProg');
    if (!url.searchParams.get('api-version')) return json(400, { code: 'MissingApiVersionParameter', message: 'The api-version query parameter (?api-version=) is required for all requests.' });
    let predicate: (a: SparkApp) => boolean = () => true;
    const filter = url.searchParams.get('filter') ?? url.searchParams.get('$filter');
    if (filter) {
      try {
        predicate = parseFilter(filter);
      } catch (err) {
        if (err instanceof FilterSyntaxError) return json(400, { code: 'BadRequest', message: `Invalid filter: ${err.message}` });
        throw err;
      }
    }
    const skip = Number(url.searchParams.get('skip') ?? '0');
    if (!Number.isInteger(skip) || skip < 0) return json(400, { code: 'BadRequest', message: 'skip must be a non-negative integer' });
    const now = Date.now();
    const matching = apps.filter(predicate).sort((a, b) => b.submitTimeMs - a.submitTimeMs);
    json(200, { nJobs: matching.length, sparkJobs: matching.slice(skip, skip + pageSize).map((a) => monitoringRow(a, now)) });
  };

  const executors = (apps: SparkApp[], m: RegExpExecArray, json: (s: number, b: unknown) => void, res: ServerResponse) => {
    const [, pool, livyId, appId, kind] = m;
    const text = kind!.toLowerCase().startsWith('metrics');
    count(text ? 'prometheus' : 'executors');
    const app = apps.find((a) => a.pool.toLowerCase() === decodeURIComponent(pool!).toLowerCase() && a.livyId === decodeURIComponent(livyId!) && a.appId === decodeURIComponent(appId!));
    if (!app || app.state !== 'InProgress') return json(404, { code: 'NotFound', message: `application ${appId} is not running` });
    if (faults.status500.has(app.appId!)) return json(500, { code: 'InternalServerError', message: 'Livy is unavailable' });
    const slow = faults.slowMs[app.appId!];
    const send = () => {
      if (!text) return json(200, renderExecutorsJson(app));
      if (faults.emptyText.has(app.appId!)) return void res.writeHead(200, { 'Content-Type': 'text/plain' }).end('');
      if (faults.malformedText.has(app.appId!)) return void res.writeHead(200, { 'Content-Type': 'text/plain' }).end('<html><body>Service Unavailable</body></html>\n\u0000\u0001garbage{{{ 12 13\n');
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(renderPrometheusText(app, data.sparkVersion, { sparkInfo: Number(app.livyId) % 2 === 0 }));
    };
    if (slow) setTimeout(send, slow);
    else send();
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  emulator.baseUrl = `http://127.0.0.1:${port}`;
  emulator.workspaces = data.workspaces.map((w) => ({ name: w.name, endpoint: `${emulator.baseUrl}/ws/${w.name}` }));
  emulator.env.SYNAPSE_WORKSPACES = emulator.workspaces.map((w) => w.endpoint).join(',');
  emulator.close = () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return emulator;
}
