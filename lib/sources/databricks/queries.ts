import { quantileBranches, STATEMENT_MARKER, type Domain } from './domain';
import { USER_AGENT_ENTRY } from './warehouse';

/**
 * SQL queries started in the last N hours, per workspace, without Lakepulse's own statements (recognised by the
 * driver's user agent in `client_application`, or the statement marker). Errors are `execution_status = 'FAILED'`.
 * Durations are `total_duration_ms` (as the exporter: includes queueing and result fetch). `queries_running` is the
 * peak number of overlapping queries in the window, from a +1/−1 event sweep — no self-join of the history table.
 * "Running" therefore means peak concurrency among statements that STARTED in the window (a statement still running
 * counts until now; one started before the window is not seen), not the number running at this instant, which query
 * history (available with up to an hour's lag) cannot tell reliably. Own statements are excluded by
 * `client_application` containing the driver's userAgentEntry `lakepulse` and by the `/* lakepulse *\/` prefix of the
 * statement text; `executed_by` is not used because the principal may legitimately run other work.
 */
export const queries: Domain = {
  name: 'queries',
  tables: ['query.history'],
  metadata: [
    { name: 'databricks_queries_total', type: 'gauge', help: 'SQL statements started in the queries window (Lakepulse’s own excluded).' },
    { name: 'databricks_query_errors_total', type: 'gauge', help: 'SQL statements started in the queries window that failed.' },
    { name: 'databricks_query_duration_seconds', type: 'gauge', help: 'Total duration quantiles of SQL statements started in the queries window.' },
    { name: 'databricks_queries_running', type: 'gauge', help: 'Peak number of overlapping SQL statements in the queries window.' },
  ],
  sql(c) {
    const cat = c.catalog;
    return `WITH q AS (
  SELECT workspace_id, execution_status, total_duration_ms, start_time, end_time
  FROM ${cat}.query.history
  WHERE start_time >= current_timestamp() - INTERVAL ${c.windows.queriesHours} HOURS AND workspace_id IS NOT NULL
    AND COALESCE(client_application, '') NOT LIKE '%${USER_AGENT_ENTRY}%'
    AND COALESCE(statement_text, '') NOT LIKE '${STATEMENT_MARKER}%'
),
events AS (
  SELECT workspace_id, start_time AS event_at, 1 AS delta FROM q
  UNION ALL SELECT workspace_id, end_time AS event_at, -1 AS delta FROM q WHERE end_time IS NOT NULL
),
concurrency AS (
  SELECT workspace_id, SUM(delta) OVER (PARTITION BY workspace_id ORDER BY event_at, delta ROWS UNBOUNDED PRECEDING) AS running FROM events
)
SELECT 'queries' AS metric, workspace_id, '' AS k, '' AS k2, CAST(COUNT(*) AS DOUBLE) AS v FROM q GROUP BY workspace_id
UNION ALL SELECT 'errors', workspace_id, '', '', CAST(SUM(CASE WHEN execution_status = 'FAILED' THEN 1 ELSE 0 END) AS DOUBLE) FROM q GROUP BY workspace_id
UNION ALL SELECT 'running', workspace_id, '', '', CAST(MAX(running) AS DOUBLE) FROM concurrency GROUP BY workspace_id
UNION ALL ${quantileBranches('duration', 'total_duration_ms / 1000.0', 'q', 'total_duration_ms IS NOT NULL')}`;
  },
  toPoints(r) {
    if (!r.workspaceId) return undefined;
    const ws = { workspace_id: r.workspaceId };
    switch (r.metric) {
      case 'queries':
        return [{ name: 'databricks_queries_total', labels: ws, value: r.value }];
      case 'errors':
        return [{ name: 'databricks_query_errors_total', labels: ws, value: r.value }];
      case 'running':
        return [{ name: 'databricks_queries_running', labels: ws, value: r.value }];
      case 'duration':
        return [{ name: 'databricks_query_duration_seconds', labels: { ...ws, quantile: r.k }, value: r.value }];
    }
    return undefined;
  },
};
