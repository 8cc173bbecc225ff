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
