/**
 * Every panel of `lakepulse report`, with its PromQL: the one table to align with the Grafana dashboards, which use the
 * same titles. Queries are written as Grafana writes them, `legendFormat` included; the report substitutes Grafana's
 * `$__range`, `$__interval` and `$__rate_interval` itself (see report-command.ts), so an expression can be copied into a
 * dashboard panel as it is.
 *
 * - `daily-bars`: an instant query at the end of the range; the x axis is the `usage_date` label, bars stacked by
 *   legend. The billing metrics carry one series per usage day of DATABRICKS_BILLING_WINDOW_DAYS, all re-pushed every
 *   cycle, so the last day's samples (`last_over_time(...[1d])`, still there when the collector stopped a few hours
 *   ago) hold every day of the window; days before the report's range are left out. Grafana: instant, bar chart.
 * - `lines`: a range query over the report's range; Grafana: time series.
 */
export type PanelKind = 'daily-bars' | 'lines';
export type PanelUnit = 'usd' | 'dbu' | 'count' | 'ratio' | 'seconds' | 'bytes';

export interface PanelQuery {
  expr: string;
  /** Grafana legend format: `{{label}}` is replaced by the series' label value. */
  legendFormat: string;
}

export interface ReportPanel {
  title: string;
  section: string;
  kind: PanelKind;
  unit: PanelUnit;
  queries: PanelQuery[];
}

const FAILED_JOB_STATES = 'FAILED|ERROR|TIMED_OUT';
const FAILED_PIPELINE_STATES = 'FAILED';

/** `failed / all` per workspace, 0 (not missing) where nothing failed. */
function failureRatio(metric: string, failedStates: string): string {
  const all = `sum by (workspace_id) (${metric}{job="databricks"})`;
  return `(sum by (workspace_id) (${metric}{job="databricks",status=~"${failedStates}"}) or ${all} * 0) / ${all}`;
}

export const REPORT_PANELS: readonly ReportPanel[] = [
  {
    title: 'Cost per workspace per day (USD)',
    section: 'Databricks cost',
    kind: 'daily-bars',
    unit: 'usd',
    queries: [{ expr: 'sum by (workspace_id, usage_date) (last_over_time(databricks_billing_cost_estimate_usd{job="databricks"}[1d]))', legendFormat: '{{workspace_id}}' }],
  },
  {
    title: 'DBUs by SKU per day',
    section: 'Databricks cost',
    kind: 'daily-bars',
    unit: 'dbu',
    queries: [{ expr: 'sum by (sku_name, usage_date) (last_over_time(databricks_billing_dbus_total{job="databricks"}[1d]))', legendFormat: '{{sku_name}}' }],
  },
  {
    title: 'Job runs',
    section: 'Databricks jobs and pipelines',
    kind: 'lines',
    unit: 'count',
    queries: [{ expr: 'sum by (workspace_id) (databricks_job_runs_total{job="databricks"})', legendFormat: '{{workspace_id}}' }],
  },
  {
    title: 'Job failure ratio',
    section: 'Databricks jobs and pipelines',
    kind: 'lines',
    unit: 'ratio',
    queries: [{ expr: failureRatio('databricks_job_run_status', FAILED_JOB_STATES), legendFormat: '{{workspace_id}}' }],
  },
  {
    title: 'Pipeline runs',
    section: 'Databricks jobs and pipelines',
    kind: 'lines',
    unit: 'count',
    queries: [{ expr: 'sum by (workspace_id) (databricks_pipeline_runs_total{job="databricks"})', legendFormat: '{{workspace_id}}' }],
  },
  {
    title: 'Pipeline failure ratio',
    section: 'Databricks jobs and pipelines',
    kind: 'lines',
    unit: 'ratio',
    queries: [{ expr: failureRatio('databricks_pipeline_run_status', FAILED_PIPELINE_STATES), legendFormat: '{{workspace_id}}' }],
  },
  {
    title: 'Query p95 duration (s)',
    section: 'Databricks SQL queries',
    kind: 'lines',
    unit: 'seconds',
    queries: [{ expr: 'max by (workspace_id) (databricks_query_duration_seconds{job="databricks",quantile="0.95"})', legendFormat: '{{workspace_id}}' }],
  },
  {
    title: 'Query errors',
    section: 'Databricks SQL queries',
    kind: 'lines',
    unit: 'count',
    queries: [{ expr: 'sum by (workspace_id) (databricks_query_errors_total{job="databricks"})', legendFormat: '{{workspace_id}}' }],
  },
  {
    title: 'Running Synapse applications by pool',
    section: 'Synapse Spark',
    kind: 'lines',
    unit: 'count',
    queries: [{ expr: 'sum by (workspace_name, spark_pool_name) (synapse_connector_application_discovery_target)', legendFormat: '{{workspace_name}}/{{spark_pool_name}}' }],
  },
  {
    title: 'Executor memory used by pool',
    section: 'Synapse Spark',
    kind: 'lines',
    unit: 'bytes',
    queries: [{ expr: 'sum by (workspace_name, spark_pool_name) (spark_executor_memoryUsed_bytes)', legendFormat: '{{workspace_name}}/{{spark_pool_name}}' }],
  },
  {
    title: 'Collector cycles',
    section: 'Collector health',
    kind: 'lines',
    unit: 'count',
    queries: [{ expr: 'sum by (instance) (increase(lakepulse_cycles_total{job="lakepulse"}[$__rate_interval]))', legendFormat: '{{instance}}' }],
  },
  {
    title: 'Samples pushed and failed',
    section: 'Collector health',
    kind: 'lines',
    unit: 'count',
    queries: [
      { expr: 'sum(increase(lakepulse_samples_pushed_total{job="lakepulse"}[$__rate_interval]))', legendFormat: 'pushed' },
      { expr: 'sum(increase(lakepulse_samples_failed_total{job="lakepulse"}[$__rate_interval]))', legendFormat: 'failed' },
    ],
  },
  {
    title: 'Targets down',
    section: 'Collector health',
    kind: 'lines',
    unit: 'count',
    queries: [{ expr: 'sum by (source) (lakepulse_target_up{job="lakepulse"} == bool 0)', legendFormat: '{{source}}' }],
  },
];

/** `{{label}}` of a legend format filled from a series' labels (a missing label is empty, as in Grafana). */
export function legendOf(format: string, labels: Readonly<Record<string, string>>): string {
  return format.replace(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_m, name: string) => labels[name] ?? '');
}
