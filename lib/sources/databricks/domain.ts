import type { MetricMetadata } from '../../series';
import type { DatabricksConfig } from './config';
import type { Row } from './warehouse';

/** One metric value computed by a domain statement, without a timestamp (cached results are re-stamped). */
export interface Point {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export type DomainName = 'billing' | 'jobs' | 'pipelines' | 'queries';

/**
 * A domain is one statement per refresh that aggregates in SQL and returns a few rows per series, in one shape:
 * `metric, workspace_id, k, k2, v` (k and k2 carry the metric's other label values).
 */
export interface Domain {
  name: DomainName;
  /** The tables it reads (for the GRANT named when one is missing). */
  tables: string[];
  metadata: MetricMetadata[];
  sql(config: DatabricksConfig): string;
  /** Maps one result row to points; undefined for a row it cannot read. */
  toPoints(row: AggregateRow): Point[] | undefined;
}

export interface AggregateRow {
  metric: string;
  workspaceId: string;
  k: string;
  k2: string;
  value: number;
}

/** Statement marker: query history shows it, and the queries domain leaves our own statements out. */
export const STATEMENT_MARKER = '/* lakepulse */';

/** Validates a driver row (values arrive as `unknown`). */
export function readAggregateRow(row: Row): AggregateRow | undefined {
  const metric = row.metric;
  const value = typeof row.v === 'number' ? row.v : typeof row.v === 'bigint' ? Number(row.v) : typeof row.v === 'string' && row.v.trim() !== '' ? Number(row.v) : NaN;
  if (typeof metric !== 'string' || !Number.isFinite(value)) return undefined;
  const text = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? String(v) : '');
  return { metric, workspaceId: text(row.workspace_id), k: text(row.k), k2: text(row.k2), value };
}

export const QUANTILES = ['0.5', '0.95', '0.99'] as const;

/** `percentile_approx` per quantile as UNION ALL branches over `source` grouped by workspace. */
export function quantileBranches(metric: string, expression: string, source: string, where = 'TRUE'): string {
  return QUANTILES.map(
    (q) => `SELECT '${metric}' AS metric, workspace_id, '${q}' AS k, '' AS k2, CAST(percentile_approx(${expression}, ${q}) AS DOUBLE) AS v FROM ${source} WHERE ${where} GROUP BY workspace_id`,
  ).join('\nUNION ALL ');
}

/**
 * The whole-run rollup that jobs and pipelines share. The lakeflow timelines split a run into hourly rows with
 * `result_state` only on the last, so the runs with a row ending in the window are chosen first (`in_window`), then
 * ALL their rows are rolled up (`rolled`: one row per run with `started`, `ended`, the final state and any `extra`
 * aggregates), and `finished` keeps those with a final state and their whole duration in seconds.
 */
export function runRollupCtes(o: { table: string; parent: string; id: string; hours: number; extra?: string }): string {
  return `in_window AS (
  SELECT DISTINCT workspace_id, ${o.parent}, ${o.id}
  FROM ${o.table}
  WHERE period_end_time >= current_timestamp() - INTERVAL ${o.hours} HOURS
    AND workspace_id IS NOT NULL AND ${o.parent} IS NOT NULL AND ${o.id} IS NOT NULL
),
rolled AS (
  SELECT t.workspace_id, t.${o.id}, MIN(t.period_start_time) AS started, MAX(t.period_end_time) AS ended,
         MAX_BY(t.result_state, t.period_end_time) AS result_state${o.extra ? `, ${o.extra}` : ''}
  FROM ${o.table} t
  JOIN in_window w ON t.workspace_id = w.workspace_id AND t.${o.parent} = w.${o.parent} AND t.${o.id} = w.${o.id}
  GROUP BY t.workspace_id, t.${o.id}
),
finished AS (
  SELECT workspace_id, result_state, unix_timestamp(ended) - unix_timestamp(started) AS duration_s
  FROM rolled WHERE result_state IS NOT NULL
)`;
}

/** Runs, final states and duration quantiles, as `rolled`/`finished` give them, for `databricks_<kind>_…`. */
export const runSummarySql = `SELECT 'runs' AS metric, workspace_id, '' AS k, '' AS k2, CAST(COUNT(*) AS DOUBLE) AS v FROM rolled GROUP BY workspace_id
UNION ALL SELECT 'status', workspace_id, result_state, '', CAST(COUNT(*) AS DOUBLE) FROM finished GROUP BY workspace_id, result_state
UNION ALL ${quantileBranches('duration', 'duration_s', 'finished')}`;

/** Points of the rows runSummarySql returns; undefined for any other metric. */
export function runSummaryPoints(kind: 'job' | 'pipeline', r: AggregateRow): Point[] | undefined {
  const ws = { workspace_id: r.workspaceId };
  switch (r.metric) {
    case 'runs':
      return [{ name: `databricks_${kind}_runs_total`, labels: ws, value: r.value }];
    case 'status':
      return r.k ? [{ name: `databricks_${kind}_run_status`, labels: { ...ws, status: r.k }, value: r.value }] : undefined;
    case 'duration':
      return [{ name: `databricks_${kind}_run_duration_seconds`, labels: { ...ws, quantile: r.k }, value: r.value }];
  }
  return undefined;
}
