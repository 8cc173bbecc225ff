import type { TokenCredential } from '@azure/identity';
import { cachedTokenSource, createAzureCredential, type AccessTokenSource } from '../../azure/credential';
import { errorMessage } from '../../errors';
import type { MetricMetadata, Series } from '../../series';
import type { CollectContext, Source, TargetResult } from '../source';
import type { SynapseConfig, SynapseWorkspace } from './config';
import { applicationCounts, connectorMetadata, endedAppSeries, runningAppSeries, appLabels } from './connector-series';
import { isScrapeTarget, listSparkJobs, RUNNING_FILTER, type SparkJob } from './discover';
import { scrapeApplication } from './executors';
import { SynapseHttpError, type GetOptions } from './http';
import { Limiter } from './limiter';
import { AppMemory } from './memo-store';

export const SYNAPSE_SCOPE = 'https://dev.azuresynapse.net/.default';
const ROLE_HINT = 'the identity needs the Synapse RBAC role "Synapse Compute Operator" on the workspace (Synapse Studio → Manage → Access control)';
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
  fetch?: typeof fetch;
}

/**
 * Synapse Spark: per workspace, discover running applications through the monitoring API, then read each one's
 * executor metrics through the Livy proxy (text, plus JSON for what the text lacks or when it is empty).
 * A broken workspace or application marks only itself down.
 */
export function createSynapseSource(options: SynapseSourceOptions = {}): Source {
  let tokens: AccessTokenSource | undefined;
  /** Per workspace, per running application: what the text or the JSON lacks (see AppMemo); also in the state store. */
  const memory = new AppMemory();
  return {
    name: 'synapse',
    async collect(ctx: CollectContext): Promise<TargetResult[]> {
      const config = ctx.config.synapse;
      if (!config) return [];
      tokens ??= cachedTokenSource(options.credential ?? createAzureCredential(ctx.config.env), SYNAPSE_SCOPE);
      const budget = AbortSignal.any([ctx.signal, AbortSignal.timeout(config.cycleBudgetMs)]);
      const http: GetOptions = { tokens, timeoutMs: config.requestTimeoutMs, signal: budget, ...(options.fetch ? { fetch: options.fetch } : {}) };
      return Promise.all(config.workspaces.map((ws) => collectWorkspace(ws, config, http, ctx, budget, memory)));
    },
  };
}

async function collectWorkspace(ws: SynapseWorkspace, config: SynapseConfig, http: GetOptions, ctx: CollectContext, budget: AbortSignal, memory: AppMemory): Promise<TargetResult> {
  const { nowMs, log } = ctx;
  const host = new URL(ws.endpoint).host;
  const base = { job: `synapse-workspace-${ws.name}`, instance: host, workspace_name: ws.name };
  const stateKey = `synapse/${ws.name}/discovery`;
  const state = readState(await ctx.state.get(stateKey));
  const limiter = new Limiter(config.concurrency, budget);
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
    running = (await listSparkJobs(ws, RUNNING_FILTER, config, http, limiter)).jobs;
  } catch (err) {
    await endedList; // no request of this workspace outlives its collection
    state.discoveries += 1;
    state.discoveryFailures += 1;
    state.pools = [];
    await ctx.state.put(stateKey, state);
    const error = describe(err, ws);
    log.error('synapse discovery failed', { workspace: ws.name, error });
    put('synapse_connector_application_discovery_count', state.discoveries);
    put('synapse_connector_application_discovery_failed_count', state.discoveryFailures);
    return { source: 'synapse', target: ws.name, up: false, series, metadata, error };
  }
  state.discoveries += 1;
  put('synapse_connector_application_discovery_duration', (Date.now() - started) / 1000);
  put('synapse_connector_application_discovery_count', state.discoveries);
  put('synapse_connector_application_discovery_failed_count', state.discoveryFailures);

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

  const memos = await memory.forApplications(ctx.state, ws.name, targets.map((t) => t.appId!));
  // Pushing: each application's executors go as soon as they are read, while others are still read, and are not
  // kept; at most 2 × SYNAPSE_CONCURRENCY applications are between request and push, so a slow push slows the reads.
  const emit = ctx.emit;
  const inProgress = new Limiter(2 * config.concurrency);
  const scraped = await Promise.all(
    targets.map((job) =>
      emit === undefined
        ? scrapeApplication(ws, job, config, http, limiter, base, nowMs, memos.get(job.appId!))
        : inProgress.run(async () => {
            const result = await scrapeApplication(ws, job, config, http, limiter, base, nowMs, memos.get(job.appId!));
            if (result.series.length === 0) return result;
            await emit(ws.name, result.series);
            return { ...result, series: [] };
          }),
    ),
  );
  await memory.save(ctx.state, ws.name);
  let down = 0;
  for (let i = 0; i < targets.length; i++) {
    const job = targets[i]!;
    const result = scraped[i]!;
    if (result.ended) continue; // gone between discovery and scrape
    series.push(...runningAppSeries(base, job, nowMs));
    series.push({ labels: { __name__: 'up', ...appLabels(base, job) }, samples: [{ value: result.up ? 1 : 0, timestampMs: nowMs }] });
    for (const s of result.series) series.push(s); // thousands per application: no spread into call arguments
    for (const m of result.metadata) metadata.push(m);
    if (!result.up) {
      down++;
      log.warn('synapse application down', { workspace: ws.name, application_id: job.appId, error: result.error });
    }
  }

  state.pools = [...new Set(targets.map((t) => t.pool))];
  state.lastCycleMs = nowMs;
  for (const [k, endMs] of Object.entries(state.reported)) if (endMs < nowMs - 86_400_000) delete state.reported[k];
  await ctx.state.put(stateKey, state);
  if (down) log.info('synapse workspace collected with applications down', { workspace: ws.name, applications: targets.length, down });
  return { source: 'synapse', target: ws.name, up: true, series, metadata };
}

function endedKey(j: SparkJob): string {
  return `${j.pool}/${j.livyId}/${j.appId ?? ''}/${j.submitTimeMs ?? ''}`;
}

export function describe(err: unknown, ws: SynapseWorkspace): string {
  if (err instanceof SynapseHttpError && (err.status === 401 || err.status === 403)) return `HTTP ${err.status} from workspace ${ws.name}: ${ROLE_HINT}`;
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
