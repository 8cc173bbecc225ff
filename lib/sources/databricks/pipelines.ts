import { runRollupCtes, runSummaryPoints, runSummarySql, type Domain } from './domain';

/**
 * Pipelines over the last N hours, rolled up per update like jobs per run. A retry is an extra request_id of the
 * same update_id. Freshness lag is now minus the end of the pipeline's last COMPLETED update, with no lookback cap,
 * so it keeps growing when updates stop. The README's `stage` label has no source column: it carries the pipeline's
 * name (with `pipeline_id` beside it), one series per pipeline.
 */
export const pipelines: Domain = {
  name: 'pipelines',
  tables: ['lakeflow.pipeline_update_timeline', 'lakeflow.pipelines'],
  metadata: [
    { name: 'databricks_pipeline_runs_total', type: 'gauge', help: 'Pipeline updates (distinct update_id) with activity in the pipelines window.' },
    { name: 'databricks_pipeline_run_status', type: 'gauge', help: 'Finished pipeline updates in the pipelines window by final result state.' },
    { name: 'databricks_pipeline_run_duration_seconds', type: 'gauge', help: 'Whole-update duration quantiles of finished pipeline updates in the pipelines window.' },
    { name: 'databricks_pipeline_retry_events_total', type: 'gauge', help: 'Extra request_ids of the same update_id, for updates in the pipelines window.' },
    { name: 'databricks_pipeline_freshness_lag_seconds', type: 'gauge', help: 'Seconds since the end of the last completed update of the pipeline (stage = pipeline name).' },
  ],
  sql(c) {
    const cat = c.catalog;
    return `WITH ${runRollupCtes({ table: `${cat}.lakeflow.pipeline_update_timeline`, parent: 'pipeline_id', id: 'update_id', hours: c.windows.pipelinesHours, extra: 'COUNT(DISTINCT t.request_id) AS requests' })},
names AS (
  SELECT workspace_id, pipeline_id, name FROM ${cat}.lakeflow.pipelines
  QUALIFY ROW_NUMBER() OVER (PARTITION BY workspace_id, pipeline_id ORDER BY change_time DESC) = 1
),
freshness AS (
  SELECT workspace_id, pipeline_id, MAX(period_end_time) AS last_end
  FROM ${cat}.lakeflow.pipeline_update_timeline
  WHERE result_state = 'COMPLETED' AND workspace_id IS NOT NULL AND pipeline_id IS NOT NULL
  GROUP BY workspace_id, pipeline_id
)
${runSummarySql}
UNION ALL SELECT 'retries', workspace_id, '', '', CAST(SUM(requests - 1) AS DOUBLE) FROM rolled GROUP BY workspace_id
UNION ALL SELECT 'freshness', f.workspace_id, f.pipeline_id, COALESCE(n.name, CONCAT('pipeline-', f.pipeline_id)),
  CAST(unix_timestamp(current_timestamp()) - unix_timestamp(f.last_end) AS DOUBLE)
  FROM freshness f LEFT JOIN names n ON f.workspace_id = n.workspace_id AND f.pipeline_id = n.pipeline_id`;
  },
  toPoints(r) {
    if (!r.workspaceId) return undefined;
    const ws = { workspace_id: r.workspaceId };
    switch (r.metric) {
      case 'retries':
        return [{ name: 'databricks_pipeline_retry_events_total', labels: ws, value: r.value }];
      case 'freshness':
        return r.k ? [{ name: 'databricks_pipeline_freshness_lag_seconds', labels: { ...ws, pipeline_id: r.k, stage: r.k2 || `pipeline-${r.k}` }, value: r.value }] : undefined;
    }
    return runSummaryPoints('pipeline', r);
  },
};
