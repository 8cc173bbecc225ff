import { runRollupCtes, runSummaryPoints, runSummarySql, type Domain } from './domain';

/**
 * Jobs over the last N hours. The timeline splits a run into hourly rows and sets `result_state` only on the last,
 * so: the runs with a row in the window are chosen first, then ALL their rows are rolled up — a run counts once,
 * lasts from its first start to its last end, and ends in its final row's state. SLA misses are finished runs longer
 * than DATABRICKS_SLA_SECONDS; a task retry is an extra task run of the same task_key in the same job run.
 */
export const jobs: Domain = {
  name: 'jobs',
  tables: ['lakeflow.job_run_timeline', 'lakeflow.job_task_run_timeline'],
  metadata: [
    { name: 'databricks_job_runs_total', type: 'gauge', help: 'Job runs (distinct run_id) with activity in the jobs window.' },
    { name: 'databricks_job_run_status', type: 'gauge', help: 'Finished job runs in the jobs window by final result state.' },
    { name: 'databricks_job_run_duration_seconds', type: 'gauge', help: 'Whole-run duration quantiles of finished job runs in the jobs window.' },
    { name: 'databricks_task_retries_total', type: 'gauge', help: 'Extra task runs of the same task_key within one job run, for job runs in the jobs window.' },
    { name: 'databricks_job_sla_miss_total', type: 'gauge', help: 'Finished job runs in the jobs window that took longer than the SLA threshold.' },
  ],
  sql(c) {
    const cat = c.catalog;
    return `WITH ${runRollupCtes({ table: `${cat}.lakeflow.job_run_timeline`, parent: 'job_id', id: 'run_id', hours: c.windows.jobsHours })},
task_runs AS (
  SELECT t.workspace_id, COUNT(DISTINCT t.run_id) - 1 AS extra
  FROM ${cat}.lakeflow.job_task_run_timeline t
  JOIN in_window w ON t.workspace_id = w.workspace_id AND t.job_run_id = w.run_id
  WHERE t.run_id IS NOT NULL AND t.task_key IS NOT NULL
  GROUP BY t.workspace_id, t.job_run_id, t.task_key
)
${runSummarySql}
UNION ALL SELECT 'sla_miss', workspace_id, '', '', CAST(SUM(CASE WHEN duration_s > ${c.slaSeconds} THEN 1 ELSE 0 END) AS DOUBLE) FROM finished GROUP BY workspace_id
UNION ALL SELECT 'task_retries', workspace_id, '', '', CAST(SUM(extra) AS DOUBLE) FROM task_runs GROUP BY workspace_id`;
  },
  toPoints(r) {
    if (!r.workspaceId) return undefined;
    const ws = { workspace_id: r.workspaceId };
    switch (r.metric) {
      case 'task_retries':
        return [{ name: 'databricks_task_retries_total', labels: ws, value: r.value }];
      case 'sla_miss':
        return [{ name: 'databricks_job_sla_miss_total', labels: ws, value: r.value }];
    }
    return runSummaryPoints('job', r);
  },
};
