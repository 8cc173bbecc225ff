import type { Dataset } from '../../../lib/emulators/databricks';

/**
 * The Databricks metrics computed independently of the SQL: a plain walk over the raw rows of a data set, following
 * the documented semantics (a run counts once however many hourly rows it spans, whole-run durations, final state
 * from the last row, Databricks' percentile_approx as the smallest value with at least p of the values at or below).
 */
export type Expected = Map<string, number>;

export const key = (name: string, labels: Record<string, string>) =>
  `${name}{${Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',')}}`;

const t = (v: unknown) => (typeof v === 'string' ? Date.parse(v) : NaN);
const sec = (ms: number) => Math.floor(ms / 1000);
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1]!;
}

function add(m: Expected, name: string, labels: Record<string, string>, v: number) {
  const k = key(name, labels);
  m.set(k, (m.get(k) ?? 0) + v);
}

export function expectedMetrics(ds: Dataset, nowMs: number, options = { billingDays: 30, priceDays: 90, jobsHours: 24, pipelinesHours: 24, queriesHours: 1, slaSeconds: 3600 }): Expected {
  const m: Expected = new Map();
  // Billing
  const today = Date.parse(new Date(nowMs).toISOString().slice(0, 10));
  const firstDay = new Date(today - options.billingDays * 86_400_000).toISOString().slice(0, 10);
  const prices = (ds['billing.list_prices'] ?? []).filter((p) => p.currency_code === 'USD');
  for (const u of ds['billing.usage'] ?? []) {
    const ws = str(u.workspace_id), sku = str(u.sku_name), date = str(u.usage_date);
    if (!ws || !sku || !date || u.usage_quantity === null || u.usage_quantity === undefined || date < firstDay) continue;
    const q = Number(u.usage_quantity);
    if (u.usage_unit === 'DBU') add(m, 'databricks_billing_dbus_total', { workspace_id: ws, sku_name: sku, usage_date: date }, q);
    const start = t(u.usage_start_time);
    for (const p of prices) {
      if (p.sku_name !== sku || p.cloud !== u.cloud || p.usage_unit !== u.usage_unit) continue;
      if (start < t(p.price_start_time) || (p.price_end_time !== null && p.price_end_time !== undefined && start >= t(p.price_end_time))) continue;
      const pricing = p.pricing as { default?: string; effective_list?: { default?: string } | null };
      const unit = Number(pricing.effective_list?.default ?? pricing.default);
      add(m, 'databricks_billing_cost_estimate_usd', { workspace_id: ws, sku_name: sku, usage_date: date }, q * unit);
    }
  }
  const byPriceKey = new Map<string, Array<Record<string, unknown>>>();
  for (const p of prices) {
    const k = `${p.sku_name}|${p.cloud}|${p.usage_unit}`;
    byPriceKey.set(k, [...(byPriceKey.get(k) ?? []), p]);
  }
  for (const list of byPriceKey.values()) {
    list.sort((a, b) => t(a.price_start_time) - t(b.price_start_time));
    list.forEach((p, i) => {
      if (i > 0 && t(p.price_start_time) >= nowMs - options.priceDays * 86_400_000) add(m, 'databricks_price_change_events', { sku_name: String(p.sku_name) }, 1);
    });
  }

  // Jobs and pipelines: roll up whole runs/updates that have a row in the window.
  const rollUp = (rows: Array<Record<string, unknown>>, id: string, parent: string, hours: number) => {
    const valid = rows.filter((r) => str(r.workspace_id) && str(r[parent]) && str(r[id]));
    const inWindow = new Set(valid.filter((r) => t(r.period_end_time) >= nowMs - hours * 3_600_000).map((r) => `${r.workspace_id}|${r[parent]}|${r[id]}`));
    const groups = new Map<string, Array<Record<string, unknown>>>();
    for (const r of valid) {
      const k = `${r.workspace_id}|${r[parent]}|${r[id]}`;
      if (inWindow.has(k)) groups.set(k, [...(groups.get(k) ?? []), r]);
    }
    return [...groups.values()].map((g) => {
      const last = g.reduce((a, b) => (t(b.period_end_time) > t(a.period_end_time) ? b : a));
      const start = Math.min(...g.map((r) => t(r.period_start_time)));
      return { ws: String(g[0]!.workspace_id), id: String(g[0]![id]), state: str(last.result_state), duration: sec(t(last.period_end_time)) - sec(start), requests: new Set(g.map((r) => r.request_id)).size };
    });
  };
  const runs = rollUp(ds['lakeflow.job_run_timeline'] ?? [], 'run_id', 'job_id', options.jobsHours);
  const statsFor = (prefix: string, items: typeof runs) => {
    const wsSet = new Set(items.map((r) => r.ws));
    for (const ws of wsSet) {
      const mine = items.filter((r) => r.ws === ws);
      const finished = mine.filter((r) => r.state !== undefined);
      add(m, `databricks_${prefix}_runs_total`, { workspace_id: ws }, mine.length);
      for (const r of finished) add(m, `databricks_${prefix}_run_status`, { workspace_id: ws, status: r.state! }, 1);
      if (finished.length) for (const q of ['0.5', '0.95', '0.99']) add(m, `databricks_${prefix}_run_duration_seconds`, { workspace_id: ws, quantile: q }, percentile(finished.map((r) => r.duration), Number(q)));
    }
    return wsSet;
  };
  for (const ws of statsFor('job', runs)) {
    const finished = runs.filter((r) => r.ws === ws && r.state !== undefined);
    add(m, 'databricks_job_sla_miss_total', { workspace_id: ws }, finished.filter((r) => r.duration > options.slaSeconds).length);
  }
  const runIds = new Set(runs.map((r) => `${r.ws}|${r.id}`));
  const tasks = new Map<string, Set<string>>();
  for (const r of ds['lakeflow.job_task_run_timeline'] ?? []) {
    if (!str(r.run_id) || !str(r.task_key) || !runIds.has(`${r.workspace_id}|${r.job_run_id}`)) continue;
    const k = `${r.workspace_id}|${r.job_run_id}|${r.task_key}`;
    tasks.set(k, (tasks.get(k) ?? new Set()).add(String(r.run_id)));
  }
  for (const [k, ids] of tasks) add(m, 'databricks_task_retries_total', { workspace_id: k.split('|')[0]! }, ids.size - 1);

  const updates = rollUp(ds['lakeflow.pipeline_update_timeline'] ?? [], 'update_id', 'pipeline_id', options.pipelinesHours);
  for (const ws of statsFor('pipeline', updates)) {
    add(m, 'databricks_pipeline_retry_events_total', { workspace_id: ws }, updates.filter((u) => u.ws === ws).reduce((n, u) => n + u.requests - 1, 0));
  }
  const names = new Map<string, { name: string; at: number }>();
  for (const p of ds['lakeflow.pipelines'] ?? []) {
    const k = `${p.workspace_id}|${p.pipeline_id}`;
    if (!names.has(k) || t(p.change_time) > names.get(k)!.at) names.set(k, { name: String(p.name), at: t(p.change_time) });
  }
  const lastCompleted = new Map<string, number>();
  for (const r of ds['lakeflow.pipeline_update_timeline'] ?? []) {
    if (r.result_state !== 'COMPLETED' || !str(r.workspace_id) || !str(r.pipeline_id)) continue;
    const k = `${r.workspace_id}|${r.pipeline_id}`;
    lastCompleted.set(k, Math.max(lastCompleted.get(k) ?? 0, t(r.period_end_time)));
  }
  for (const [k, end] of lastCompleted) {
    const [ws, id] = k.split('|') as [string, string];
    add(m, 'databricks_pipeline_freshness_lag_seconds', { workspace_id: ws, pipeline_id: id, stage: names.get(k)?.name ?? `pipeline-${id}` }, sec(nowMs) - sec(end));
  }

  // Queries
  const q = (ds['query.history'] ?? []).filter(
    (r) => str(r.workspace_id) && t(r.start_time) >= nowMs - options.queriesHours * 3_600_000 && !String(r.client_application ?? '').includes('lakepulse') && !String(r.statement_text ?? '').startsWith('/* lakepulse */'),
  );
  for (const ws of new Set(q.map((r) => String(r.workspace_id)))) {
    const mine = q.filter((r) => r.workspace_id === ws);
    add(m, 'databricks_queries_total', { workspace_id: ws }, mine.length);
    add(m, 'databricks_query_errors_total', { workspace_id: ws }, mine.filter((r) => r.execution_status === 'FAILED').length);
    const durations = mine.filter((r) => typeof r.total_duration_ms === 'number').map((r) => (r.total_duration_ms as number) / 1000);
    if (durations.length) for (const p of ['0.5', '0.95', '0.99']) add(m, 'databricks_query_duration_seconds', { workspace_id: ws, quantile: p }, percentile(durations, Number(p)));
    const events = mine.flatMap((r) => [[t(r.start_time), 1], ...(r.end_time ? [[t(r.end_time), -1]] : [])] as Array<[number, number]>).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let running = 0;
    let peak = 0;
    for (const [, d] of events) peak = Math.max(peak, (running += d));
    add(m, 'databricks_queries_running', { workspace_id: ws }, peak);
  }
  return m;
}
