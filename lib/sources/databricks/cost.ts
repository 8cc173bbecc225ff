import type { MetricMetadata, Series } from '../../series';
import type { StateStore } from '../../state/store';
import type { DomainName } from './domain';
import type { WarehouseUsage } from './warehouse';

/** What the collector itself cost the warehouse in one cycle, per domain (statements, time, rows). */
export type CycleUsage = Partial<Record<DomainName, WarehouseUsage>>;

interface CostTotals {
  wakes: number;
  byQuery: Partial<Record<DomainName, WarehouseUsage>>;
}

export const costMetadata: MetricMetadata[] = [
  {
    name: 'lakepulse_databricks_wakes_total',
    type: 'counter',
    help: 'Cycles that ran statements on the warehouse: each one starts it if it had auto-stopped, and restarts its auto-stop countdown.',
  },
  { name: 'lakepulse_databricks_statements_total', type: 'counter', help: "Statements Lakepulse ran on the warehouse, by domain (cold-start retries included)." },
  { name: 'lakepulse_databricks_statement_duration_seconds_total', type: 'counter', help: 'Wall time of those statements, execute to last row fetched, by domain.' },
  { name: 'lakepulse_databricks_rows_fetched_total', type: 'counter', help: 'Result rows those statements returned, by domain.' },
];

/**
 * Counters of the collector's own use of the warehouse, accumulated across runs in the state store (`rate()` works
 * although each run is a fresh process), as Lakepulse's own series: `job="lakepulse"`, `source`, `target`.
 * The driver reports no bytes or rows read; `system.query.history` has them for statements starting `/* lakepulse *\/`.
 */
export async function costSeries(o: { state: StateStore; host: string; instance: string; nowMs: number; usage: CycleUsage }): Promise<Series[]> {
  // Read-modify-write: a run that wrote in between has its increments kept, not overwritten.
  const totals = await o.state.update(`databricks/${o.host}/cost`, (stored) => {
    const t = readTotals(stored);
    let ran = false;
    for (const [query, u] of Object.entries(o.usage) as Array<[DomainName, WarehouseUsage]>) {
      const q = (t.byQuery[query] ??= { statements: 0, statementMs: 0, rowsFetched: 0 });
      q.statements += u.statements;
      q.statementMs += u.statementMs;
      q.rowsFetched += u.rowsFetched;
      if (u.statements > 0) ran = true;
    }
    if (ran) t.wakes += 1;
    return { value: t, result: t };
  });

  const base = { job: 'lakepulse', instance: o.instance, source: 'databricks', target: o.host };
  const one = (name: string, value: number, extra: Record<string, string> = {}): Series => ({ labels: { __name__: name, ...base, ...extra }, samples: [{ value, timestampMs: o.nowMs }] });
  const out = [one('lakepulse_databricks_wakes_total', totals.wakes)];
  for (const [query, t] of Object.entries(totals.byQuery).sort(([a], [b]) => (a < b ? -1 : 1))) {
    out.push(one('lakepulse_databricks_statements_total', t.statements, { query }));
    out.push(one('lakepulse_databricks_statement_duration_seconds_total', t.statementMs / 1000, { query }));
    out.push(one('lakepulse_databricks_rows_fetched_total', t.rowsFetched, { query }));
  }
  return out;
}

/** Differences of two readings of a warehouse's running totals. */
export function usageBetween(before: WarehouseUsage, after: WarehouseUsage): WarehouseUsage {
  return { statements: after.statements - before.statements, statementMs: after.statementMs - before.statementMs, rowsFetched: after.rowsFetched - before.rowsFetched };
}

const DOMAIN_NAMES: readonly DomainName[] = ['billing', 'jobs', 'pipelines', 'queries'];

function readTotals(stored: unknown): CostTotals {
  const totals: CostTotals = { wakes: 0, byQuery: {} };
  if (typeof stored !== 'object' || stored === null) return totals;
  const s = stored as Record<string, unknown>;
  if (isCount(s.wakes)) totals.wakes = s.wakes;
  const byQuery = typeof s.byQuery === 'object' && s.byQuery !== null ? (s.byQuery as Record<string, unknown>) : {};
  for (const name of DOMAIN_NAMES) {
    const u = byQuery[name];
    if (typeof u !== 'object' || u === null) continue;
    const { statements, statementMs, rowsFetched } = u as Record<string, unknown>;
    if (isCount(statements) && isCount(statementMs) && isCount(rowsFetched)) totals.byQuery[name] = { statements, statementMs, rowsFetched };
  }
  return totals;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}
