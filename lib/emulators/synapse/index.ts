import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenOnLoopback } from '../loopback-server';
import { builtinSynapseDataset, type SparkApp, type SparkExecutor, type SynapseDataset, type SynapseWorkspaceData } from './dataset';
import { appliesTo, emptyFaults, MALFORMED_TEXT, TRUNCATED_LIST, type SynapseFaults } from './faults';
import { FilterSyntaxError, monitoringRow, parseFilter } from './monitoring';
import { renderExecutorsJson, renderPrometheusText } from './spark-output';

export {
  builtinSynapseDataset, syntheticLoadDataset, makeExecutor, prng, PEAK_MEMORY_METRICS, PEAK_GC_METRICS, BUILTIN_SPARK_VERSION,
  type SparkApp, type SparkExecutor, type SynapseDataset, type SynapseWorkspaceData,
} from './dataset';
export type { SynapseFaults } from './faults';
export { parseSynapseDataset } from './dataset-file';

export interface SynapseEmulatorOptions {
  /** Default: builtinSynapseDataset(nowMs). The emulator serves (and mutates) this very object. */
  data?: SynapseDataset;
  port?: number;
  /** Added to every request (benchmarks use 50 ms). */
  latencyMs?: number;
  /** When given, every request needs `Authorization: Bearer <token>` that this accepts for https://dev.azuresynapse.net. */
  identity?: { verify(token: string, resource: string): boolean };
  /** Monitoring list page size, default 50 (the real one is unknown; a recording returned 51 rows in one page). */
  pageSize?: number;
  /** Clock for the built-in data set and the list's durations; default Date.now. */
  nowMs?: number;
  /**
   * Also serve this workspace at the server's root, as its own host does (`https://<name>.dev.azuresynapse.net/monitoring/…`);
   * its endpoint is then the bare `http://127.0.0.1:<port>`. Two emulators on two ports stand in for two hosts.
   */
  rootWorkspace?: string;
}

export interface SynapseEmulator {
  baseUrl: string;
  /**
   * Each workspace's endpoint `http://127.0.0.1:<port>/ws/<name>` (the root workspace's: `http://127.0.0.1:<port>`), standing in
   * for `https://<name>.dev.azuresynapse.net`.
   */
  workspaces: Array<{ name: string; endpoint: string }>;
  env: { SYNAPSE_WORKSPACES: string };
  faults: SynapseFaults;
  data: SynapseDataset;
  /** Kinds: list, detail, prometheus, executors, allexecutors, other. Counted before auth and faults. */
  requests: { total: number; byKind: Record<string, number>; maxInFlightPerWorkspace: Record<string, number> };
  /** The application ends now with `state` (default Succeeded): it leaves the running list, its endpoints answer 404. */
  endApplication(workspace: string, appId: string, state?: string): void;
  /** The executor is removed (inactive): it disappears from the text and `/executors`, stays in `/allexecutors`. */
  removeExecutor(workspace: string, appId: string, executorId: string, reason?: string): void;
  /** Adds an application (e.g. a copy of another with a new appId) to a workspace. */
  addApplication(workspace: string, app: SparkApp): void;
  close(): Promise<void>;
}

const SYNAPSE_RESOURCE = 'https://dev.azuresynapse.net';
const LIST_PATH = /^\/monitoring\/workloadtypes\/spark\/applications\/?$/i;
const DETAIL_PATH = /^\/monitoring\/workloadtypes\/spark\/pools\/([^/]+)\/livyids\/([^/]+)\/?$/i;
const APP_PATH = /^\/livyapi\/versions\/[^/]+\/sparkpools\/([^/]+)\/sessions\/([^/]+)\/applications\/([^/]+)\/(metrics\/executors\/prometheus|executors|allexecutors)\/?$/i;
const UNAUTHORIZED_BODY = {
  code: 'Unauthorized',
  message: 'Token Authentication failed - the bearer token is missing, expired, or not issued for resource https://dev.azuresynapse.net.',
};

type Reply = { status: number; type: 'json'; body: unknown } | { status: number; type: 'text'; body: string };
const json = (status: number, body: unknown): Reply => ({ status, type: 'json', body });
const text = (status: number, body: string): Reply => ({ status, type: 'text', body });
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Synapse workspaces on one loopback server, each under `http://127.0.0.1:<port>/ws/<name>` and answering there as
 * `https://<name>.dev.azuresynapse.net` does: the monitoring list (paged with skip/nJobs, OData-like filter), the
 * per-livy-id detail, and the Livy-proxied Spark executor endpoints (Prometheus text, `/executors`, `/allexecutors`).
 */
export async function startSynapseEmulator(options: SynapseEmulatorOptions = {}): Promise<SynapseEmulator> {
  const now = () => options.nowMs ?? Date.now();
  const data = options.data ?? builtinSynapseDataset(now());
  const pageSize = options.pageSize ?? 50;
  const inFlight: Record<string, number> = {};
  const faults = emptyFaults();
  const requests: SynapseEmulator['requests'] = { total: 0, byKind: {}, maxInFlightPerWorkspace: {} };

  const workspace = (name: string): SynapseWorkspaceData => {
    const ws = data.workspaces.find((w) => w.name === name);
    if (!ws) throw new Error(`no workspace ${name}`);
    return ws;
  };
  const application = (ws: string, appId: string): SparkApp => {
    const app = workspace(ws).apps.find((a) => a.appId === appId);
    if (!app) throw new Error(`no application ${appId} in ${ws}`);
    return app;
  };

  const route = (ws: SynapseWorkspaceData, path: string, url: URL): { kind: string; app?: SparkApp; answer: () => Reply } => {
    if (LIST_PATH.test(path)) return { kind: 'list', answer: () => list(ws, url) };
    const detail = DETAIL_PATH.exec(path);
    if (detail) return { kind: 'detail', answer: () => livyDetail(ws, decodeURIComponent(detail[1]!), decodeURIComponent(detail[2]!)) };
    const m = APP_PATH.exec(path);
    if (!m) return { kind: 'other', answer: () => json(404, { code: 'NotFound', message: `no route for ${path}` }) };
    const kind = m[4]!.toLowerCase().startsWith('metrics') ? 'prometheus' : m[4]!.toLowerCase();
    const [pool, livyId, appId] = [m[1]!, m[2]!, m[3]!].map(decodeURIComponent) as [string, string, string];
    const app = ws.apps.find((a) => a.pool.toLowerCase() === pool.toLowerCase() && a.livyId === livyId && a.appId === appId);
    return { kind, ...(app ? { app } : {}), answer: () => executors(ws, app, kind, appId) };
  };

  const list = (ws: SynapseWorkspaceData, url: URL): Reply => {
    const status = faults.discoveryStatus[ws.name];
    if (status) return json(status, { code: status >= 500 ? 'InternalServerError' : 'BadRequest', message: 'injected failure' });
    if (faults.truncateDiscovery.has(ws.name)) return { status: 200, type: 'text', body: TRUNCATED_LIST };
    if (!url.searchParams.get('api-version')) return json(400, { code: 'MissingApiVersionParameter', message: 'The api-version query parameter (?api-version=) is required for all requests.' });
    const filter = url.searchParams.get('filter') ?? url.searchParams.get('$filter') ?? '';
    let predicate: (a: SparkApp) => boolean = () => true;
    if (filter.trim() !== '') {
      try {
        predicate = parseFilter(filter);
      } catch (err) {
        if (err instanceof FilterSyntaxError) return json(400, { code: 'BadRequest', message: `Invalid filter expression: ${err.message}` });
        throw err;
      }
    }
    const skipText = url.searchParams.get('skip') ?? '0';
    const skip = /^\d+$/.test(skipText) ? Number(skipText) : NaN;
    if (!Number.isSafeInteger(skip)) return json(400, { code: 'BadRequest', message: 'skip must be a non-negative integer' });
    const matching = ws.apps.filter(predicate).sort((a, b) => b.submitTimeMs - a.submitTimeMs);
    const t = now();
    return json(200, { nJobs: matching.length, sparkJobs: matching.slice(skip, skip + pageSize).map((a) => monitoringRow(a, t)) });
  };

  const livyDetail = (ws: SynapseWorkspaceData, pool: string, livyId: string): Reply => {
    const matching = ws.apps.filter((a) => a.pool.toLowerCase() === pool.toLowerCase() && a.livyId === livyId);
    const t = now();
    return json(200, { nJobs: matching.length, sparkJobs: matching.map((a) => monitoringRow(a, t)) });
  };

  const executors = (ws: SynapseWorkspaceData, app: SparkApp | undefined, kind: string, appId: string): Reply => {
    if (!app || app.state.toLowerCase() !== 'inprogress' || app.endTimeMs !== undefined) {
      return json(404, { code: 'NotFound', message: `Spark application ${appId} is not running` });
    }
    if (appliesTo(faults.unauthorized, ws.name, app.appId)) return json(401, UNAUTHORIZED_BODY);
    if (appliesTo(faults.status500, ws.name, app.appId)) return json(500, { code: 'InternalServerError', message: 'Livy is unavailable' });
    if (kind === 'executors') return json(200, renderExecutorsJson(app));
    if (kind === 'allexecutors') return json(200, renderExecutorsJson(app, { includeInactive: true }));
    if (appliesTo(faults.emptyText, ws.name, app.appId)) return text(200, '');
    if (appliesTo(faults.malformedText, ws.name, app.appId)) return text(200, MALFORMED_TEXT);
    return text(200, renderPrometheusText(app, data.sparkVersion));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const match = /^\/ws\/([^/]+)(\/.*)?$/.exec(url.pathname) ?? (options.rootWorkspace !== undefined ? ['', encodeURIComponent(options.rootWorkspace), url.pathname] : null);
    if (!match) return send(res, json(404, { code: 'NotFound', message: 'unknown workspace path' }));
    const wsName = decodeURIComponent(match[1]!);
    const ws = data.workspaces.find((w) => w.name === wsName);
    if (!ws) return send(res, json(404, { code: 'WorkspaceNotFound', message: `workspace ${wsName} not found` }));
    const { kind, app, answer } = route(ws, match[2] ?? '/', url);
    requests.total += 1;
    requests.byKind[kind] = (requests.byKind[kind] ?? 0) + 1;
    // In flight until the response is finished or the client goes away.
    inFlight[wsName] = (inFlight[wsName] ?? 0) + 1;
    requests.maxInFlightPerWorkspace[wsName] = Math.max(requests.maxInFlightPerWorkspace[wsName] ?? 0, inFlight[wsName]!);
    res.once('close', () => {
      inFlight[wsName]! -= 1;
    });
    const delay = (options.latencyMs ?? 0) + (faults.slowMs[wsName] ?? 0) + (app?.appId ? (faults.slowMs[app.appId] ?? 0) : 0);
    if (delay > 0) await sleep(delay);
    if (res.destroyed) return;
    if (req.method !== 'GET') return send(res, json(405, { code: 'MethodNotAllowed', message: `${req.method} is not supported here` }));
    if (faults.unauthorized.has(wsName) || (options.identity && !options.identity.verify(bearer(req), SYNAPSE_RESOURCE))) {
      return send(res, json(401, UNAUTHORIZED_BODY));
    }
    send(res, answer());
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, json(500, { code: 'InternalServerError', message: err instanceof Error ? err.message : 'emulator failure' }));
    });
  });
  server.keepAliveTimeout = 30_000;
  const listener = await listenOnLoopback(server, options.port ?? 0);
  const baseUrl = `http://127.0.0.1:${listener.port}`;
  const workspaces = data.workspaces.map((w) => ({ name: w.name, endpoint: w.name === options.rootWorkspace ? baseUrl : `${baseUrl}/ws/${encodeURIComponent(w.name)}` }));

  return {
    baseUrl,
    workspaces,
    env: { SYNAPSE_WORKSPACES: workspaces.map((w) => w.endpoint).join(',') },
    faults,
    data,
    requests,
    endApplication(ws, appId, state = 'Succeeded') {
      const app = application(ws, appId);
      app.state = state;
      app.endTimeMs = now();
      app.executors = [];
    },
    removeExecutor(ws, appId, executorId, reason = 'Container released by the cluster manager') {
      const executor: SparkExecutor | undefined = application(ws, appId).executors.find((e) => e.id === executorId);
      if (!executor) throw new Error(`no executor ${executorId} in ${appId}`);
      executor.isActive = false;
      executor.removeTimeMs = now();
      executor.removeReason = reason;
    },
    addApplication(ws, app) {
      workspace(ws).apps.push(app);
    },
    close: listener.close,
  };
}

function bearer(req: IncomingMessage): string {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m ? m[1]! : '';
}

function send(res: ServerResponse, reply: Reply): void {
  if (reply.type === 'json') {
    const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8' };
    if (reply.status === 401) headers['WWW-Authenticate'] = 'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token"';
    res.writeHead(reply.status, headers).end(JSON.stringify(reply.body));
  } else {
    res.writeHead(reply.status, { 'Content-Type': reply.status === 200 && reply.body.startsWith('{') ? 'application/json; charset=utf-8' : 'text/plain;charset=utf-8' }).end(reply.body);
  }
}
