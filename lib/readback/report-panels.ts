/**
 * Every panel of `lakepulse report`. The PromQL is not written here: it is the Grafana dashboards' (dashboards/*.json),
 * taken by panel title, so the report and the dashboards cannot disagree. The report substitutes Grafana's `$__range`,
 * `$__interval` and `$__rate_interval` itself (see report-command.ts) and reads template variables as "all".
 *
 * - `daily-bars`: an instant query at the end of the range; the x axis is the `usage_date` label, bars stacked by
 *   legend. The billing metrics carry one series per usage day of DATABRICKS_BILLING_WINDOW_DAYS, all re-pushed every
 *   cycle, so the newest samples hold every day of the window; days before the report's range are left out.
 * - `lines`: a range query over the report's range.
 */
import { allValues, dashboardQueries } from './dashboard-queries';

export type PanelKind = 'daily-bars' | 'lines';
export type PanelUnit = 'usd' | 'dbu' | 'count' | 'ratio' | 'seconds' | 'bytes';

export interface PanelQuery {
  expr: string;
  /** Grafana legend format: `{{label}}` is replaced by the series' label value. */
  legendFormat: string;
}

/** A panel as written here: how to draw it; its PromQL comes from the dashboard panel of the same title. */
interface PanelLayout {
  title: string;
  section: string;
  kind: PanelKind;
  unit: PanelUnit;
  /** One per dashboard target, in order: the report's own legend (a daily-bars legend has no usage_date). */
  queries: Array<{ legendFormat: string }>;
}

export interface ReportPanel {
  title: string;
  section: string;
  kind: PanelKind;
  unit: PanelUnit;
  queries: PanelQuery[];
}

const LAYOUT: readonly PanelLayout[] = [
  {
    title: 'Cost per workspace per day (USD)',
    section: 'Databricks cost',
    kind: 'daily-bars',
    unit: 'usd',
    queries: [{ legendFormat: '{{workspace_id}}' }],
  },
  {
    title: 'DBUs by SKU per day',
    section: 'Databricks cost',
    kind: 'daily-bars',
    unit: 'dbu',
    queries: [{ legendFormat: '{{sku_name}}' }],
  },
  {
    title: 'Job runs',
    section: 'Databricks jobs and pipelines',
    kind: 'lines',
    unit: 'count',
    queries: [{ legendFormat: '{{workspace_id}}' }],
  },
  {
    title: 'Job failure ratio',
    section: 'Databricks jobs and pipelines',
    kind: 'lines',
    unit: 'ratio',
    queries: [{ legendFormat: '{{workspace_id}}' }],
  },
  {
    title: 'Pipeline runs',
    section: 'Databricks jobs and pipelines',
    kind: 'lines',
    unit: 'count',
    queries: [{ legendFormat: '{{workspace_id}}' }],
  },
  {
    title: 'Pipeline failure ratio',
    section: 'Databricks jobs and pipelines',
    kind: 'lines',
    unit: 'ratio',
    queries: [{ legendFormat: '{{workspace_id}}' }],
  },
  {
    title: 'Query p95 duration (s)',
    section: 'Databricks SQL queries',
    kind: 'lines',
    unit: 'seconds',
    queries: [{ legendFormat: '{{workspace_id}}' }],
  },
  {
    title: 'Query errors',
    section: 'Databricks SQL queries',
    kind: 'lines',
    unit: 'count',
    queries: [{ legendFormat: '{{workspace_id}}' }],
  },
  {
    title: 'Running Synapse applications by pool',
    section: 'Synapse Spark',
    kind: 'lines',
    unit: 'count',
    queries: [{ legendFormat: '{{workspace_name}}/{{spark_pool_name}}' }],
  },
  {
    title: 'Executor memory used by pool',
    section: 'Synapse Spark',
    kind: 'lines',
    unit: 'bytes',
    queries: [{ legendFormat: '{{workspace_name}}/{{spark_pool_name}}' }],
  },
  {
    title: 'Collector cycles',
    section: 'Collector health',
    kind: 'lines',
    unit: 'count',
    queries: [{ legendFormat: '{{instance}}' }],
  },
  {
    title: 'Samples pushed and failed',
    section: 'Collector health',
    kind: 'lines',
    unit: 'count',
    queries: [{ legendFormat: 'pushed {{instance}}' }, { legendFormat: 'failed {{instance}}' }],
  },
  {
    title: 'Targets down',
    section: 'Collector health',
    kind: 'lines',
    unit: 'count',
    queries: [{ legendFormat: '{{source}} {{target}}' }],
  },
];

/**
 * The report's panels with the dashboards' PromQL (dashboards/*.json, matched by title, template variables meaning
 * "all"). A panel the dashboards lack, or a target count that differs, is an error: the two must not drift apart.
 */
export function reportPanels(queries: Map<string, string[]> = dashboardQueries()): ReportPanel[] {
  return LAYOUT.map((layout) => {
    const exprs = queries.get(layout.title);
    if (exprs === undefined || exprs.length !== layout.queries.length) {
      throw new Error(`report panel "${layout.title}": the dashboards have ${exprs?.length ?? 'no'} queries for it, the report draws ${layout.queries.length}`);
    }
    return { ...layout, queries: layout.queries.map((q, i) => ({ expr: allValues(exprs[i]!), legendFormat: q.legendFormat })) };
  });
}

/** `{{label}}` of a legend format filled from a series' labels (a missing label is empty, as in Grafana). */
export function legendOf(format: string, labels: Readonly<Record<string, string>>): string {
  return format.replace(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_m, name: string) => labels[name] ?? '');
}
