import type { TokenCredential } from '@azure/identity';
import { errorMessage } from '../../errors';
import type { MetricMetadata, Series } from '../../series';
import type { CollectContext, Source, TargetResult } from '../source';
import { billing } from './billing';
import type { DatabricksConfig } from './config';
import { costMetadata, costSeries, usageBetween, type CycleUsage } from './cost';
import { readAggregateRow, STATEMENT_MARKER, type Domain, type Point } from './domain';
import { jobs } from './jobs';
import { pipelines } from './pipelines';
import { queries } from './queries';
import { planCycle, type ScheduleState } from './schedule';
import { createWarehouse, TableAccessError, type Warehouse } from './warehouse';

export const DOMAINS: readonly Domain[] = [billing, jobs, pipelines, queries];

interface DomainState {
  /** When `points` were fetched. */
  refreshedAtMs?: number;
  points?: Point[];
  /** A missing or ungranted table: cycles to skip before trying again. */
  unavailableCyclesLeft?: number;
  unavailableReason?: string;
  /** When the table was last found missing (its recheck waits for a wake or the domain's next slot). */
  unavailableSinceMs?: number;
}

const metadata: MetricMetadata[] = [
  ...DOMAINS.flatMap((d) => d.metadata),
  { name: 'databricks_up', type: 'gauge', help: '1 when this cycle reached the warehouse (or every domain was served from a fresh cache), 0 when a statement or the connection failed.' },
  { name: 'databricks_scrape_status', type: 'gauge', help: "1 when the domain's metrics are current (queried this cycle or cached within the refresh interval), else 0." },
  ...costMetadata,
];

/**
 * The Databricks exporter's metrics from system tables: one aggregating statement per domain per refresh; between
 * refreshes the cached result (in the state store) is re-emitted with the current timestamp, so series stay fresh
 * while the warehouse is woken rarely.
 *
 * Decisions (see each domain file for the metric semantics):
 * - `databricks_up` is 1 when no statement of this cycle failed on the warehouse (connection, cold start past the
 *   deadline, auth, timeout) and at least one domain is current — queried now, or served from a cache still within
 *   its refresh interval (a cache only ever holds the result of a successful statement, possibly from an earlier
 *   invocation). A missing or ungranted table is not a warehouse failure: only that domain's scrape_status is 0.
 * - `databricks_scrape_status{query}` is 1 when that domain's metrics are current, else 0.
 * - After a warehouse failure, a domain's cache younger than 2× its refresh interval is still re-emitted (with
 *   scrape_status 0); an older one is not, so the series end instead of repeating old values.
 * - A missing/ungranted table logs ONE error line naming the GRANT, and the domain is retried only after
 *   DATABRICKS_TABLE_RECHECK_CYCLES cycles, at the next wake (schedule.ts); that countdown lives in ctx.state
 *   (`databricks/<host>/<domain>`).
 * - A domain is due in the first cycle of each wall-clock slot of its interval (schedule.ts), and every due domain
 *   runs in that cycle, back to back on the one session: one wake of the warehouse per slot, however many domains.
 * - The collector's own cost (wakes, statements, their time and rows) is counted across runs (cost.ts).
 */
export function createDatabricksSource(options: { credential?: TokenCredential; sleep?: (ms: number) => Promise<void> } = {}): Source {
  let warehouse: Warehouse | undefined;
  return {
    name: 'databricks',
    async collect(ctx: CollectContext): Promise<TargetResult[]> {
      const config = ctx.config.databricks;
      if (!config) return [];
      warehouse ??= createWarehouse(config, { log: ctx.log, credential: options.credential, env: ctx.config.env, sleep: options.sleep });
      return [await collectWarehouse(config, warehouse, ctx)];
    },
    async close() {
      await warehouse?.close();
      warehouse = undefined;
    },
  };
}

async function collectWarehouse(config: DatabricksConfig, warehouse: Warehouse, ctx: CollectContext): Promise<TargetResult> {
  const { nowMs, log } = ctx;
  const base = { job: 'databricks', instance: config.serverHostname };
  const series: Series[] = [];
  const errors: string[] = [];
  let connectionFailed = false;
  let anyCurrent = false;
  const emit = (points: readonly Point[]) => {
    for (const p of points) series.push({ labels: { __name__: p.name, ...base, ...p.labels }, samples: [{ value: p.value, timestampMs: nowMs }] });
  };

  const keys = DOMAINS.map((domain) => `databricks/${config.serverHostname}/${domain.name}`);
  const states = await Promise.all(keys.map(async (key) => readState(await ctx.state.get(key))));
  const refreshMs = DOMAINS.map((domain) => config.refreshMs[domain.name]);
  // Every due domain in this one cycle, back to back on one session: one wake of the warehouse.
  const schedule = states.map(scheduleStateOf);
  const plan = planCycle(schedule, refreshMs, nowMs);
  schedule.forEach((sched, i) => {
    if (sched.unavailableCyclesLeft !== undefined) states[i]!.unavailableCyclesLeft = sched.unavailableCyclesLeft;
  });
  const usage: CycleUsage = {};

  for (let i = 0; i < DOMAINS.length; i++) {
    const domain = DOMAINS[i]!;
    const state = states[i]!;
    const refresh = refreshMs[i]!;
    let current = false;
    if (plan[i] === 'unavailable') {
      errors.push(`${domain.name}: ${state.unavailableReason ?? 'table unavailable'}`);
    } else if (plan[i] === 'query' && !connectionFailed) {
      const before = warehouse.usage();
      try {
        const rows = await warehouse.query(`${STATEMENT_MARKER} ${domain.sql(config)}`, ctx.signal);
        const points: Point[] = [];
        let bad = 0;
        for (const row of rows) {
          const agg = readAggregateRow(row);
          const mapped = agg ? domain.toPoints(agg) : undefined;
          if (mapped) points.push(...mapped);
          else bad++;
        }
        if (bad) log.warn('databricks rows skipped', { domain: domain.name, rows: bad });
        state.points = points;
        state.refreshedAtMs = nowMs;
        delete state.unavailableCyclesLeft;
        delete state.unavailableReason;
        delete state.unavailableSinceMs;
        current = true;
      } catch (err) {
        if (err instanceof TableAccessError) {
          const grants = grantsFor(config, domain.tables, err.full);
          state.unavailableReason = `${err.errorClass}: ${err.message.slice(0, 200)} — run: ${grants} (and USE CATALOG/USE SCHEMA on ${config.catalog})`;
          state.unavailableCyclesLeft = config.tableRecheckCycles;
          state.unavailableSinceMs = nowMs;
          log.error('databricks domain unavailable', { domain: domain.name, error: state.unavailableReason });
          errors.push(`${domain.name}: ${state.unavailableReason}`);
        } else {
          connectionFailed = true;
          const message = errorMessage(err);
          log.error('databricks statement failed', { domain: domain.name, error: message });
          errors.push(`${domain.name}: ${message}`);
          // A recent cache still describes the workspace; one older than two refresh intervals is not re-emitted.
          if (state.points && state.refreshedAtMs !== undefined && nowMs - state.refreshedAtMs < 2 * refresh) emit(state.points);
        }
      } finally {
        usage[domain.name] = usageBetween(before, warehouse.usage());
      }
    } else {
      // Not due yet, or due but skipped because the warehouse failed earlier in this cycle.
      const age = state.refreshedAtMs === undefined ? Infinity : nowMs - state.refreshedAtMs;
      current = state.points !== undefined && age < refresh;
      if (!current && state.points && age < 2 * refresh) emit(state.points);
    }
    if (current && state.points) emit(state.points);
    if (current) anyCurrent = true;
    series.push({ labels: { __name__: 'databricks_scrape_status', ...base, query: domain.name }, samples: [{ value: current ? 1 : 0, timestampMs: nowMs }] });
  }
  await Promise.all(keys.map((key, i) => ctx.state.put(key, states[i]!)));
  const up = !connectionFailed && anyCurrent;
  series.push({ labels: { __name__: 'databricks_up', ...base }, samples: [{ value: up ? 1 : 0, timestampMs: nowMs }] });
  for (const s of await costSeries({ state: ctx.state, host: config.serverHostname, instance: ctx.config.instanceName, nowMs, usage })) series.push(s);
  return {
    source: 'databricks',
    target: config.serverHostname,
    up: up && errors.length === 0,
    series,
    metadata,
    ...(errors.length ? { error: errors.join('; ') } : {}),
  };
}

function scheduleStateOf(s: DomainState): ScheduleState {
  return {
    hasPoints: s.points !== undefined,
    ...(s.refreshedAtMs !== undefined ? { refreshedAtMs: s.refreshedAtMs } : {}),
    ...(s.unavailableCyclesLeft !== undefined ? { unavailableCyclesLeft: s.unavailableCyclesLeft } : {}),
    ...(s.unavailableSinceMs !== undefined ? { unavailableSinceMs: s.unavailableSinceMs } : {}),
  };
}

/**
 * The GRANT to run: for the table the error names (else every table of the domain), to our principal when the
 * configuration knows it (the OAuth client id is the service principal's application id).
 */
function grantsFor(config: DatabricksConfig, tables: readonly string[], message: string): string {
  const plain = message.replace(/[`"]/g, '').toLowerCase();
  const named = tables.filter((t) => plain.includes(`.${t}`) || plain.includes(`${config.catalog}.${t}`));
  const principal = config.auth.kind === 'oauth-m2m' ? config.auth.clientId : '<lakepulse principal>';
  return (named.length ? named : tables).map((t) => `GRANT SELECT ON TABLE ${config.catalog}.${t} TO \`${principal}\``).join('; ');
}

function readState(stored: unknown): DomainState {
  const s: DomainState = {};
  if (typeof stored !== 'object' || stored === null) return s;
  const o = stored as Record<string, unknown>;
  if (typeof o.refreshedAtMs === 'number') s.refreshedAtMs = o.refreshedAtMs;
  if (typeof o.unavailableCyclesLeft === 'number') s.unavailableCyclesLeft = o.unavailableCyclesLeft;
  if (typeof o.unavailableReason === 'string') s.unavailableReason = o.unavailableReason;
  if (typeof o.unavailableSinceMs === 'number') s.unavailableSinceMs = o.unavailableSinceMs;
  if (Array.isArray(o.points)) {
    s.points = [];
    for (const p of o.points as unknown[]) {
      if (typeof p !== 'object' || p === null) continue;
      const { name, labels, value } = p as Record<string, unknown>;
      if (typeof name !== 'string' || typeof value !== 'number' || typeof labels !== 'object' || labels === null) continue;
      const l: Record<string, string> = {};
      for (const [k, v] of Object.entries(labels)) if (typeof v === 'string') l[k] = v;
      s.points.push({ name, labels: l, value });
    }
  }
  return s;
}
