import type { TokenCredential } from '@azure/identity';
import { cachedTokenSource, createAzureCredential, type AccessTokenSource } from '../../azure/credential';
import { errorMessage } from '../../errors';
import type { HttpRequest } from '../../http/request';
import { expandGroup, type MetricMetadata, type Series, type SeriesGroup } from '../../series';
import type { CollectContext, Source, TargetResult } from '../source';
import type { SynapseConfig, SynapseWorkspace } from './config';
import { applicationCounts, connectorMetadata, endedAppSeries, runningAppSeries, appLabels } from './connector-series';
import { isScrapeTarget, listSparkJobs, RUNNING_FILTER, type SparkJob } from './discover';
import { EarlyTexts } from './early-texts';
import { scrapeApplication } from './executors';
import { SynapseHttpError, type GetOptions } from './http';
import { Limiter } from './limiter';
import { AppMemory } from './memo-store';

export const SYNAPSE_SCOPE = 'https://dev.azuresynapse.net/.default';
/** Ended applications are looked for this far back on a first run. */
const FIRST_ENDED_LOOKBACK_MS = 10 * 60_000;

interface WorkspaceState {
  discoveries: number;
  discoveryFailures: number;
  pools: string[];
  lastCycleMs?: number;
  /** Ended applications already reported: key → end time (ms). */
  reported: Record<string, number>;
}

export interface SynapseSourceOptions {
  credential?: TokenCredential;
  /** Default httpRequest (lib/http/request.ts); tests and benches wrap it. */
  request?: HttpRequest;
}

/** What discovery of one workspace found: its workspace-level result and, when it succeeded, the scrape targets. */
export interface WorkspaceDiscovery {
  result: TargetResult;
  /** Running applications to read executors from, or undefined when discovery failed. */
  targets?: SparkJob[];
}

/** A slice of a workspace's running applications, collected apart from discovery (queue fan-out). */
export interface ApplicationSlice {
  workspace: SynapseWorkspace;
  /** Names the slice's own series set (`slice-<n>`). */
  part: string;
  applications: SparkJob[];
}

/**
 * One process's Synapse machinery: the token cache and, per workspace, what each running application's text or
 * JSON lacks. Shared by the in-process source, the fan-out planner and the fan-out worker.
 */
export interface SynapseCollector {
  discover(ws: SynapseWorkspace, ctx: CollectContext): Promise<WorkspaceDiscovery>;
  /**
   * Reads these applications' executors. With `ctx.emit`, each application's series go there as soon as they are read
   * (and are not returned). `part` (a fan-out slice) keeps the slice's own memos, apart from the workspace's.
   */
  collectApplications(ws: SynapseWorkspace, jobs: readonly SparkJob[], ctx: CollectContext, part?: string): Promise<AppsCollected>;
  /**
   * discover() then collectApplications() in one go (the in-process source), with one limiter: the first list page's
   * applications have their texts requested while the later pages load (EarlyTexts).
   */
  collectWorkspace(ws: SynapseWorkspace, ctx: CollectContext): Promise<TargetResult>;
}

export interface AppsCollected {
  series: Series[];
  /** The executors' series, one group per executor (those not handed to `CollectContext.emit`). */
  groups: SeriesGroup[];
  metadata: MetricMetadata[];
  applications: number;
  down: number;
}

export function createSynapseCollector(options: SynapseSourceOptions = {}): SynapseCollector {
  let tokens: AccessTokenSource | undefined;
  /** Per workspace (or slice), per running application: what the text or the JSON lacks (see AppMemo); also in the state store. */
  const memory = new AppMemory();
  const httpFor = (ctx: CollectContext, config: SynapseConfig): { http: GetOptions; budget: AbortSignal } => {
    tokens ??= cachedTokenSource(options.credential ?? createAzureCredential(ctx.config.env), SYNAPSE_SCOPE);
    const budget = AbortSignal.any([ctx.signal, AbortSignal.timeout(config.cycleBudgetMs)]);
    return { http: { tokens, timeoutMs: config.requestTimeoutMs, signal: budget, ...(options.request ? { request: options.request } : {}) }, budget };
  };
  return {
    async discover(ws, ctx) {
      const config = ctx.config.synapse!;
      const { http, budget } = httpFor(ctx, config);
      return discoverWorkspace(ws, config, http, ctx, new Limiter(config.concurrency, budget));
    },
    async collectApplications(ws, jobs, ctx, part) {
      const config = ctx.config.synapse!;
      const { http, budget } = httpFor(ctx, config);
      return collectApplications(ws, jobs, config, http, new Limiter(config.concurrency, budget), ctx, memory, part === undefined ? ws.name : `${ws.name}/${part}`);
    },
    async collectWorkspace(ws, ctx) {
      const config = ctx.config.synapse!;
      const { http, budget } = httpFor(ctx, config);
      const limiter = new Limiter(config.concurrency, budget);
      const early = new EarlyTexts(ws, config, http, limiter, config.concurrency);
      let found: WorkspaceDiscovery | undefined;
      let apps: AppsCollected;
      try {
        found = await discoverWorkspace(ws, config, http, ctx, limiter, (jobs) => early.start(jobs));
        if (found.targets === undefined) return found.result;
        apps = await collectApplications(ws, found.targets, config, http, limiter, ctx, memory, ws.name, early);
      } finally {
        await early.settle(); // texts nobody took (discovery failed): no request outlives the collection
      }
      for (const s of apps.series) found.result.series.push(s); // thousands per application: no spread into call arguments
      for (const g of apps.groups) expandGroup(g, found.result.series); // collected whole (no emit): plain series, as Source promises
      for (const m of apps.metadata) found.result.metadata!.push(m);
      return found.result;
    },
  };
}

/**
 * Synapse Spark: per workspace, discover running applications through the monitoring API, then read each one's
 * executor metrics through the Livy proxy (text, plus JSON for what the text lacks or when it is empty).
 * A broken workspace or application marks only itself down.
 */
export function createSynapseSource(options: SynapseSourceOptions = {}): Source {
  const collector = createSynapseCollector(options);
  return {
    name: 'synapse',
    async collect(ctx: CollectContext): Promise<TargetResult[]> {
      const config = ctx.config.synapse;
      if (!config) return [];
      return Promise.all(config.workspaces.map((ws) => collector.collectWorkspace(ws, ctx)));
    },
  };
}

/** The labels every series of a workspace carries, as the connector sets them. */
export function workspaceLabels(ws: SynapseWorkspace): Record<string, string> {
  return { job: `synapse-workspace-${ws.name}`, instance: new URL(ws.endpoint).host, workspace_name: ws.name };
}

async function discoverWorkspace(
  ws: SynapseWorkspace,
  config: SynapseConfig,
  http: GetOptions,
  ctx: CollectContext,
  limiter: Limiter,
  onFirstPage?: (jobs: readonly SparkJob[]) => void,
): Promise<WorkspaceDiscovery> {
  const { nowMs, log } = ctx;
  const base = workspaceLabels(ws);
  const stateKey = `synapse/${ws.name}/discovery`;
  const state = readState(await ctx.state.get(stateKey));
  const series: Series[] = [];
  const metadata: MetricMetadata[] = [...connectorMetadata];
  const put = (name: string, value: number, extra: Record<string, string> = {}) =>
    series.push({ labels: { __name__: name, ...base, ...extra }, samples: [{ value, timestampMs: nowMs }] });

  // Applications that ended since the previous cycle: short jobs a scrape-based connector never sees. Listed alongside
  // the running ones (both through the limiter). The list gives end times to the second; the reported set keeps each
  // application to one report.
  const since = Math.floor((state.lastCycleMs ?? nowMs - FIRST_ENDED_LOOKBACK_MS) / 1000) * 1000;
  const endedFilter = `endTime ge ${new Date(since).toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
  const endedList = listSparkJobs(ws, endedFilter, config, http, limiter).then(
    (r) => r.jobs.filter((j) => j.endTimeMs !== undefined && j.endTimeMs >= since),
    (err: unknown) => {
      log.warn('synapse ended-application list failed', { workspace: ws.name, error: describe(err, ws) });
      return [] as SparkJob[];
    },
  );
  const started = Date.now();
  let running: SparkJob[];
  try {
    running = (await listSparkJobs(ws, RUNNING_FILTER, config, http, limiter, onFirstPage)).jobs;
  } catch (err) {
    await endedList; // no request of this workspace outlives its collection
    const counts = await ctx.state.update(stateKey, (stored) => {
      const s = readState(stored);
      s.discoveries += 1;
      s.discoveryFailures += 1;
      s.pools = [];
      return { value: s, result: s };
    });
    const error = describe(err, ws);
    log.error('synapse discovery failed', { workspace: ws.name, error });
    put('synapse_connector_application_discovery_count', counts.discoveries);
    put('synapse_connector_application_discovery_failed_count', counts.discoveryFailures);
    return { result: { source: 'synapse', target: ws.name, up: false, series, metadata, error } };
  }
  put('synapse_connector_application_discovery_duration', (Date.now() - started) / 1000);

  const ended = await endedList;
  const fresh = ended.filter((j) => state.reported[endedKey(j)] === undefined);
  for (const j of fresh) {
    series.push(...endedAppSeries(base, j, nowMs));
    state.reported[endedKey(j)] = j.endTimeMs!;
  }
  series.push(...applicationCounts(base, [...running, ...fresh], nowMs));

  const targets = running.filter(isScrapeTarget);
  const perPool = new Map<string, number>();
  for (const p of state.pools) perPool.set(p, 0); // a pool whose applications all ended drops to 0
  for (const t of targets) perPool.set(t.pool, (perPool.get(t.pool) ?? 0) + 1);
  for (const [pool, n] of perPool) put('synapse_connector_application_discovery_target', n, { spark_pool_name: pool });

  state.pools = [...new Set(targets.map((t) => t.pool))];
  state.lastCycleMs = nowMs;
  for (const [k, endMs] of Object.entries(state.reported)) if (endMs < nowMs - 86_400_000) delete state.reported[k];
  // One read-modify-write: counters advance on the freshest value, so a concurrent planner never loses a count.
  const counts = await ctx.state.update(stateKey, (stored) => {
    const now = readState(stored);
    const next: WorkspaceState = {
      ...state,
      discoveries: now.discoveries + 1,
      discoveryFailures: now.discoveryFailures,
      lastCycleMs: Math.max(now.lastCycleMs ?? 0, nowMs),
      reported: { ...now.reported, ...state.reported },
    };
    return { value: next, result: next };
  });
  put('synapse_connector_application_discovery_count', counts.discoveries);
  put('synapse_connector_application_discovery_failed_count', counts.discoveryFailures);
  return { result: { source: 'synapse', target: ws.name, up: true, series, metadata }, targets };
}

async function collectApplications(
  ws: SynapseWorkspace,
  targets: readonly SparkJob[],
  config: SynapseConfig,
  http: GetOptions,
  limiter: Limiter,
  ctx: CollectContext,
  memory: AppMemory,
  memoScope: string,
  early?: EarlyTexts,
): Promise<AppsCollected> {
  const { nowMs, log } = ctx;
  const base = workspaceLabels(ws);
  const series: Series[] = [];
  const groups: SeriesGroup[] = [];
  const metadata: MetricMetadata[] = [];
  const memos = await memory.forApplications(ctx.state, memoScope, targets.map((t) => t.appId!));
  // Pushing: each application's executors go as soon as they are read, while others are still read, and are not
  // kept; at most 2 × SYNAPSE_CONCURRENCY applications are between request and push, so a slow push slows the reads.
  const emit = ctx.emit;
  const inProgress = new Limiter(2 * config.concurrency);
  const scraped = await Promise.all(
    targets.map((job) =>
      emit === undefined
        ? scrapeApplication(ws, job, config, http, limiter, base, nowMs, memos.get(job.appId!), early?.take(job))
        : inProgress.run(async () => {
            const result = await scrapeApplication(ws, job, config, http, limiter, base, nowMs, memos.get(job.appId!), early?.take(job));
            if (result.groups.length === 0) return result;
            await emit(ws.name, [], result.groups);
            return { ...result, groups: [] };
          }),
    ),
  );
  await memory.save(ctx.state, memoScope);
  let down = 0;
  for (let i = 0; i < targets.length; i++) {
    const job = targets[i]!;
    const result = scraped[i]!;
    if (result.ended) continue; // gone between discovery and scrape
    series.push(...runningAppSeries(base, job, nowMs));
    series.push({ labels: { __name__: 'up', ...appLabels(base, job) }, samples: [{ value: result.up ? 1 : 0, timestampMs: nowMs }] });
    for (const g of result.groups) groups.push(g); // not streamed: handed on whole
    for (const m of result.metadata) metadata.push(m);
    if (!result.up) {
      down++;
      log.warn('synapse application down', { workspace: ws.name, application_id: job.appId, error: result.error });
    }
  }
  if (down) log.info('synapse workspace collected with applications down', { workspace: ws.name, applications: targets.length, down });
  return { series, groups, metadata, applications: targets.length, down };
}

function endedKey(j: SparkJob): string {
  return `${j.pool}/${j.livyId}/${j.appId ?? ''}/${j.submitTimeMs ?? ''}`;
}

export function describe(err: unknown, ws: SynapseWorkspace): string {
  if (err instanceof SynapseHttpError && (err.status === 401 || err.status === 403)) return `workspace ${ws.name}: ${err.message}`; // names the role (http.ts)
  return `workspace ${ws.name}: ${errorMessage(err)}`;
}

function readState(stored: unknown): WorkspaceState {
  const s: WorkspaceState = { discoveries: 0, discoveryFailures: 0, pools: [], reported: {} };
  if (typeof stored !== 'object' || stored === null) return s;
  const o = stored as Record<string, unknown>;
  if (typeof o.discoveries === 'number') s.discoveries = o.discoveries;
  if (typeof o.discoveryFailures === 'number') s.discoveryFailures = o.discoveryFailures;
  if (Array.isArray(o.pools)) s.pools = o.pools.filter((p): p is string => typeof p === 'string');
  if (typeof o.lastCycleMs === 'number') s.lastCycleMs = o.lastCycleMs;
  if (typeof o.reported === 'object' && o.reported !== null) {
    for (const [k, v] of Object.entries(o.reported)) if (typeof v === 'number') s.reported[k] = v;
  }
  return s;
}
