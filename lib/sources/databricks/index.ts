import type { TokenCredential } from '@azure/identity';
import { errorMessage } from '../../errors';
import type { MetricMetadata, Series } from '../../series';
import type { CollectContext, Source, TargetResult } from '../source';
import { billing } from './billing';
import type { DatabricksConfig } from './config';
import { readAggregateRow, STATEMENT_MARKER, type Domain, type Point } from './domain';
import { jobs } from './jobs';
import { pipelines } from './pipelines';
import { queries } from './queries';
import { createWarehouse, TableAccessError, type Warehouse } from './warehouse';

export const DOMAINS: readonly Domain[] = [billing, jobs, pipelines, queries];

interface DomainState {
  /** When `points` were fetched. */
  refreshedAtMs?: number;
  points?: Point[];
  /** A missing or ungranted table: cycles to skip before trying again. */
  unavailableCyclesLeft?: number;
  unavailableReason?: string;
}

const metadata: MetricMetadata[] = [
  ...DOMAINS.flatMap((d) => d.metadata),
  { name: 'databricks_up', type: 'gauge', help: '1 when this cycle reached the warehouse (or every domain was served from a fresh cache), 0 when a statement or the connection failed.' },
  { name: 'databricks_scrape_status', type: 'gauge', help: "1 when the domain's metrics are current (queried this cycle or cached within the refresh interval), else 0." },
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
 * - A missing/ungranted table logs ONE error line naming the GRANT, and the domain is retried only every
 *   DATABRICKS_TABLE_RECHECK_CYCLES cycles; that countdown lives in ctx.state (`databricks/<host>/<domain>`).
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

  for (const domain of DOMAINS) {
    const key = `databricks/${config.serverHostname}/${domain.name}`;
    const state = readState(await ctx.state.get(key));
    const refreshMs = config.refreshMs[domain.name];
    let current = false;
    if (state.unavailableCyclesLeft !== undefined && state.unavailableCyclesLeft > 0) {
      state.unavailableCyclesLeft -= 1;
      errors.push(`${domain.name}: ${state.unavailableReason ?? 'table unavailable'}`);
    } else if (!connectionFailed && (state.refreshedAtMs === undefined || nowMs - state.refreshedAtMs >= refreshMs || state.points === undefined)) {
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
        current = true;
      } catch (err) {
        if (err instanceof TableAccessError) {
          const grants = grantsFor(config, domain.tables, err.full);
          state.unavailableReason = `${err.errorClass}: ${err.message.slice(0, 200)} — run: ${grants} (and USE CATALOG/USE SCHEMA on ${config.catalog})`;
          state.unavailableCyclesLeft = config.tableRecheckCycles;
          log.error('databricks domain unavailable', { domain: domain.name, error: state.unavailableReason });
          errors.push(`${domain.name}: ${state.unavailableReason}`);
        } else {
          connectionFailed = true;
          const message = errorMessage(err);
          log.error('databricks statement failed', { domain: domain.name, error: message });
          errors.push(`${domain.name}: ${message}`);
          // A recent cache still describes the workspace; one older than two refresh intervals is not re-emitted.
          if (state.points && state.refreshedAtMs !== undefined && nowMs - state.refreshedAtMs < 2 * refreshMs) emit(state.points);
        }
      }
    } else {
      // Not due yet, or due but skipped because the warehouse failed earlier in this cycle.
      const age = state.refreshedAtMs === undefined ? Infinity : nowMs - state.refreshedAtMs;
      current = state.points !== undefined && age < refreshMs;
      if (!current && state.points && age < 2 * refreshMs) emit(state.points);
    }
    if (current && state.points) emit(state.points);
    if (current) anyCurrent = true;
    series.push({ labels: { __name__: 'databricks_scrape_status', ...base, query: domain.name }, samples: [{ value: current ? 1 : 0, timestampMs: nowMs }] });
    await ctx.state.put(key, state);
  }
  const up = !connectionFailed && anyCurrent;
  series.push({ labels: { __name__: 'databricks_up', ...base }, samples: [{ value: up ? 1 : 0, timestampMs: nowMs }] });
  return {
    source: 'databricks',
    target: config.serverHostname,
    up: up && errors.length === 0,
    series,
    metadata,
    ...(errors.length ? { error: errors.join('; ') } : {}),
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
