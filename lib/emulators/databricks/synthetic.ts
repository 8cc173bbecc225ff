import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { prng } from '../prng';

/** Rows per system table (`schema.table`), as Databricks documents the columns; timestamps as ISO 8601 strings. */
export type Dataset = Record<string, Array<Record<string, unknown>>>;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;


const iso = (ms: number) => new Date(ms).toISOString();
const day = (ms: number) => iso(ms).slice(0, 10);

/** Splits [start, end) into slices at clock hours, as the lakeflow timeline tables do. */
function hourlySlices(start: number, end: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let s = start;
  while (s < end) {
    const boundary = Math.floor(s / HOUR) * HOUR + HOUR;
    const e = Math.min(end, boundary);
    out.push([s, e]);
    s = e;
  }
  return out;
}

export const WORKSPACES = ['1234567890123456', '2345678901234567', '3456789012345678'];
export const ACCOUNT = 'acc-5f1c0000-0000-0000-0000-000000000001';
/** What Lakepulse's own statements carry (the driver's user agent entry) in `client_application`. */
export const LAKEPULSE_CLIENT_APPLICATION = 'lakepulse';

/**
 * A realistic month for three workspaces, deterministic for (nowMs, seed): hourly billing with retractions and
 * restatements and a price change, jobs with runs longer than an hour (several timeline slices), failures and
 * retries, pipelines with retried updates and one gone stale, and an hour of SQL warehouse queries (some of them
 * Lakepulse's own). A few bad rows (NULL ids and quantities, unknown states) are mixed in.
 */
export function syntheticDataset(nowMs: number, seed = 42): Dataset {
  const rand = prng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const now = Math.floor(nowMs / 1000) * 1000;
  const ds: Dataset = {};
  const add = (table: string, row: Record<string, unknown>) => (ds[table] ??= []).push(row);

  // --- billing -----------------------------------------------------------------------------------------------
  const skus = ['PREMIUM_JOBS_COMPUTE', 'PREMIUM_SQL_PRO_COMPUTE', 'PREMIUM_ALL_PURPOSE_COMPUTE', 'PREMIUM_DLT_CORE_COMPUTE'];
  const changeAt = Math.floor((now - 40 * DAY) / HOUR) * HOUR;
  const prices: Record<string, [number, number, number | null]> = {
    // sku: [old price, new price, promotional effective price for the new period]
    PREMIUM_JOBS_COMPUTE: [0.15, 0.18, null],
    PREMIUM_SQL_PRO_COMPUTE: [0.55, 0.55, null],
    PREMIUM_ALL_PURPOSE_COMPUTE: [0.55, 0.65, 0.6],
    PREMIUM_DLT_CORE_COMPUTE: [0.2, 0.2, null],
  };
  for (const sku of skus) {
    const [oldP, newP, promo] = prices[sku]!;
    add('billing.list_prices', { price_start_time: iso(now - 400 * DAY), price_end_time: iso(changeAt), account_id: ACCOUNT, sku_name: sku, cloud: 'AZURE', currency_code: 'USD', usage_unit: 'DBU', pricing: { default: String(oldP), effective_list: { default: String(oldP) } } });
    add('billing.list_prices', { price_start_time: iso(changeAt), price_end_time: null, account_id: ACCOUNT, sku_name: sku, cloud: 'AZURE', currency_code: 'USD', usage_unit: 'DBU', pricing: { default: String(newP), promotional: promo === null ? null : { default: String(promo) }, effective_list: { default: String(promo ?? newP) } } });
    add('billing.list_prices', { price_start_time: iso(now - 400 * DAY), price_end_time: null, account_id: ACCOUNT, sku_name: sku, cloud: 'AZURE', currency_code: 'EUR', usage_unit: 'DBU', pricing: { default: '9.99', effective_list: { default: '9.99' } } });
  }
  let record = 0;
  const firstHour = Math.floor((now - 31 * DAY) / HOUR) * HOUR;
  for (const ws of WORKSPACES) {
    for (const sku of skus) {
      for (let h = firstHour; h < now - HOUR; h += HOUR) {
        if (rand() < 0.3) continue;
        const q = (int(5000) + 1) / 100;
        const row = { record_id: `r-${record++}`, account_id: ACCOUNT, workspace_id: ws, sku_name: sku, cloud: 'AZURE', usage_start_time: iso(h), usage_end_time: iso(h + HOUR), usage_date: day(h), custom_tags: { team: ws.endsWith('6') ? 'data' : 'ml' }, usage_unit: 'DBU', usage_quantity: q.toFixed(2), usage_metadata: { job_id: sku.includes('JOBS') ? `${int(5)}` : null, warehouse_id: sku.includes('SQL') ? 'wh-1' : null }, record_type: 'ORIGINAL', ingestion_date: day(h + DAY), billing_origin_product: sku.includes('SQL') ? 'SQL' : sku.includes('DLT') ? 'DLT' : 'JOBS', usage_type: 'COMPUTE_TIME' };
        add('billing.usage', row);
        if (rand() < 0.03) {
          // A correction: the original retracted, a restated quantity in its place.
          add('billing.usage', { ...row, record_id: `r-${record++}`, usage_quantity: (-q).toFixed(2), record_type: 'RETRACTION' });
          add('billing.usage', { ...row, record_id: `r-${record++}`, usage_quantity: (q * 0.8).toFixed(2), record_type: 'RESTATEMENT' });
        }
      }
    }
    // Not DBUs: must never be added into the DBU figures.
    add('billing.usage', { record_id: `r-${record++}`, account_id: ACCOUNT, workspace_id: ws, sku_name: 'PREMIUM_JOBS_COMPUTE', cloud: 'AZURE', usage_start_time: iso(now - 2 * DAY), usage_end_time: iso(now - 2 * DAY + HOUR), usage_date: day(now - 2 * DAY), usage_unit: 'GPU_TIME', usage_quantity: '7.00', record_type: 'ORIGINAL' });
  }
  // Bad rows: no workspace, no quantity.
  add('billing.usage', { record_id: 'bad-1', account_id: ACCOUNT, workspace_id: null, sku_name: 'PREMIUM_JOBS_COMPUTE', cloud: 'AZURE', usage_start_time: iso(now - DAY), usage_end_time: iso(now - DAY + HOUR), usage_date: day(now - DAY), usage_unit: 'DBU', usage_quantity: '3.00', record_type: 'ORIGINAL' });
  add('billing.usage', { record_id: 'bad-2', account_id: ACCOUNT, workspace_id: WORKSPACES[0], sku_name: 'PREMIUM_JOBS_COMPUTE', cloud: 'AZURE', usage_start_time: iso(now - DAY), usage_end_time: iso(now - DAY + HOUR), usage_date: day(now - DAY), usage_unit: 'DBU', usage_quantity: null, record_type: 'ORIGINAL' });

  // --- jobs --------------------------------------------------------------------------------------------------
  const states = ['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'TIMED_OUT', 'SUCCEEDED'];
  let runSeq = 1000;
  for (const ws of WORKSPACES) {
    for (let j = 0; j < 5; j++) {
      const jobId = `${ws.slice(0, 4)}${j}`;
      add('lakeflow.jobs', { account_id: ACCOUNT, workspace_id: ws, job_id: jobId, name: `etl_job_${j}`, change_time: iso(now - 30 * DAY), delete_time: null });
      if (j === 1) add('lakeflow.jobs', { account_id: ACCOUNT, workspace_id: ws, job_id: jobId, name: `etl_job_${j}_renamed`, change_time: iso(now - 2 * DAY), delete_time: null });
      if (j === 4) add('lakeflow.jobs', { account_id: ACCOUNT, workspace_id: ws, job_id: jobId, name: `etl_job_${j}`, change_time: iso(now - DAY), delete_time: iso(now - DAY) });
      for (let start = now - 3 * DAY + int(HOUR); start < now - 10 * 60_000; start += 2 * HOUR + int(HOUR)) {
        const runId = String(runSeq++);
        const long = rand() < 0.12;
        const duration = long ? 2 * HOUR + int(HOUR) : 60_000 * (3 + int(50));
        const end = start + duration;
        const inProgress = end > now;
        const final = states[int(states.length)]!;
        const slices = hourlySlices(start, Math.min(end, now - 60_000));
        slices.forEach(([s, e], k) => {
          const last = k === slices.length - 1;
          add('lakeflow.job_run_timeline', { account_id: ACCOUNT, workspace_id: ws, job_id: jobId, run_id: runId, period_start_time: iso(s), period_end_time: iso(e), trigger_type: 'CRON', run_type: 'JOB_RUN', result_state: last && !inProgress ? final : null, termination_code: last && !inProgress ? (final === 'SUCCEEDED' ? 'SUCCESS' : 'RUN_EXECUTION_ERROR') : null });
        });
        if (inProgress) continue;
        for (const task of ['ingest', 'transform']) {
          const attempts = rand() < 0.15 ? 2 + int(2) : 1;
          for (let a = 0; a < attempts; a++) {
            const ts = start + a * 60_000;
            add('lakeflow.job_task_run_timeline', { account_id: ACCOUNT, workspace_id: ws, job_id: jobId, run_id: String(runSeq++), job_run_id: runId, parent_run_id: runId, task_key: task, period_start_time: iso(ts), period_end_time: iso(Math.min(end, ts + 30 * 60_000)), result_state: a === attempts - 1 ? final : 'FAILED' });
          }
        }
      }
    }
    // A bad row: no run id, unknown state.
    add('lakeflow.job_run_timeline', { account_id: ACCOUNT, workspace_id: ws, job_id: null, run_id: null, period_start_time: iso(now - HOUR), period_end_time: iso(now - HOUR + 60_000), result_state: 'WEIRD_STATE' });
  }

  // --- pipelines ---------------------------------------------------------------------------------------------
  let updateSeq = 1;
  for (const ws of WORKSPACES) {
    for (let p = 0; p < 2; p++) {
      const pipelineId = `pl-${ws.slice(0, 4)}-${p}`;
      add('lakeflow.pipelines', { account_id: ACCOUNT, workspace_id: ws, pipeline_id: pipelineId, pipeline_type: 'ETL_PIPELINE', name: `dlt_${p === 0 ? 'orders' : 'inventory'}`, change_time: iso(now - 20 * DAY), delete_time: null });
      const stale = p === 1 && ws === WORKSPACES[0];
      const last = stale ? now - 3 * DAY : now - 20 * 60_000;
      for (let start = now - 2 * DAY - 4 * DAY * (stale ? 1 : 0); start < last; start += 3 * HOUR + int(HOUR)) {
        const updateId = `u-${updateSeq++}`;
        const requests = rand() < 0.2 ? 2 : 1;
        let s = start;
        for (let r = 0; r < requests; r++) {
          const requestFinal = r === requests - 1;
          const duration = requestFinal && rand() < 0.15 ? HOUR + int(HOUR) : 60_000 * (2 + int(30));
          const final = requestFinal ? (rand() < 0.15 ? 'FAILED' : 'COMPLETED') : 'FAILED';
          const slices = hourlySlices(s, s + duration);
          slices.forEach(([a, b], k) => {
            add('lakeflow.pipeline_update_timeline', { account_id: ACCOUNT, workspace_id: ws, pipeline_id: pipelineId, update_id: updateId, update_type: 'REFRESH', request_id: `req-${updateId}-${r}`, trigger_type: 'SCHEDULED', result_state: k === slices.length - 1 ? final : null, period_start_time: iso(a), period_end_time: iso(b) });
          });
          s += duration + 60_000;
        }
      }
    }
  }

  // --- SQL queries ---------------------------------------------------------------------------------------------
  let statement = 0;
  const statuses = ['FINISHED', 'FINISHED', 'FINISHED', 'FINISHED', 'FINISHED', 'FAILED', 'CANCELED'];
  for (const ws of WORKSPACES) {
    for (const wh of ['wh-a', 'wh-b']) {
      for (let t = now - 2 * HOUR; t < now; t += 20_000 + int(200_000)) {
        const durationMs = 200 + int(rand() < 0.1 ? 600_000 : 30_000);
        const running = t + durationMs > now;
        const status = running ? 'RUNNING' : statuses[int(statuses.length)]!;
        const own = rand() < 0.1;
        add('query.history', { account_id: ACCOUNT, workspace_id: ws, statement_id: `st-${statement++}`, session_id: 's', execution_status: status, compute: { type: 'WAREHOUSE', warehouse_id: wh }, executed_by: own ? 'lakepulse-sp' : 'analyst@contoso.com', statement_text: own ? '/* lakepulse */ SELECT ...' : 'SELECT * FROM sales', statement_type: 'SELECT', error_message: status === 'FAILED' ? 'Division by zero' : null, client_application: own ? LAKEPULSE_CLIENT_APPLICATION : 'Databricks SQL Dashboard', total_duration_ms: running ? null : durationMs, execution_duration_ms: running ? null : Math.floor(durationMs * 0.8), start_time: iso(t), end_time: running ? null : iso(t + durationMs), update_time: iso(Math.min(now, t + durationMs)) });
      }
    }
  }

  // --- warehouse events: each warehouse starts, scales up and down, stops after idling (the latest may still run) --
  for (const ws of WORKSPACES) {
    for (const wh of ['wh-a', 'wh-b']) {
      for (let t = now - 3 * DAY + int(HOUR); t < now; t += 8 * HOUR + int(4 * HOUR)) {
        const up = t + 2 * 60_000;
        const stop = up + 2 * HOUR + int(3 * HOUR);
        const event = (type: string, at: number, clusters: number) => {
          if (at <= now) add('compute.warehouse_events', { account_id: ACCOUNT, workspace_id: ws, warehouse_id: wh, event_type: type, cluster_count: clusters, event_time: iso(at) });
        };
        event('STARTING', t, 0);
        event('RUNNING', up, 1);
        if (rand() < 0.4) {
          event('SCALED_UP', up + 30 * 60_000, 2);
          event('SCALED_DOWN', up + 90 * 60_000, 1);
        }
        event('STOPPING', stop, 1);
        event('STOPPED', stop + 60_000, 0);
      }
    }
  }
  return ds;
}

/** Writes a dataset in the `--databricks-data DIR` layout: one `<schema>.<table>.ndjson` per table. */
export async function writeDatasetNdjson(dir: string, dataset: Dataset): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [table, rows] of Object.entries(dataset)) {
    await writeFile(join(dir, `${table}.ndjson`), rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
  }
}
