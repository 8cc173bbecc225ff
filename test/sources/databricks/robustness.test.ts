import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { loadConfig } from '../../../lib/config';
import { startDatabricksEmulator, syntheticDataset, writeDatasetNdjson, type DatabricksEmulator, type Dataset } from '../../../lib/emulators/databricks';
import { memoryLogger } from '../../../lib/log';
import type { Series } from '../../../lib/series';
import { createDatabricksSource } from '../../../lib/sources/databricks';
import { MemoryStateStore, type StateStore } from '../../../lib/state/store';
import { expectedMetrics, key } from './reference';

// The start of an hour: refreshes are aligned to wall-clock slots, so each test knows which domains fall due when.
const NOW = Math.floor(Date.now() / 3_600_000) * 3_600_000;
const H = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
let emu: DatabricksEmulator;
before(async () => {
  emu = await startDatabricksEmulator({ now: () => NOW });
});
after(async () => {
  await emu.close();
});

async function collect(e: DatabricksEmulator, opts: { state?: StateStore; env?: Record<string, string>; nowMs?: number; credential?: TokenCredential; signal?: AbortSignal } = {}) {
  const config = loadConfig({ ...e.env, ...opts.env }, { dryRun: true });
  const log = memoryLogger();
  const source = createDatabricksSource({ sleep: async () => undefined, credential: opts.credential });
  try {
    const [result] = await source.collect({ config, log, state: opts.state ?? new MemoryStateStore(), signal: opts.signal ?? new AbortController().signal, nowMs: opts.nowMs ?? NOW });
    return { result: result!, log };
  } finally {
    await source.close?.();
  }
}

function workload(series: Series[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of series) {
    const { __name__, job: _job, instance: _instance, ...labels } = s.labels;
    if (__name__ === 'databricks_up' || __name__ === 'databricks_scrape_status' || __name__!.startsWith('lakepulse_')) continue;
    m.set(key(__name__!, labels), s.samples[0]!.value);
  }
  return m;
}

const statusOf = (series: Series[]) =>
  Object.fromEntries(series.filter((s) => s.labels.__name__ === 'databricks_scrape_status').map((s) => [s.labels.query, s.samples[0]!.value]));
const upOf = (series: Series[]) => series.find((s) => s.labels.__name__ === 'databricks_up')?.samples[0]?.value;

test('rows with NULL ids, NULL quantities or timestamps and unknown states never crash a cycle; valid rows still count', async () => {
  const good: Dataset = {
    'lakeflow.job_run_timeline': [
      { workspace_id: 'w', job_id: 'j', run_id: 'r1', period_start_time: iso(NOW - 2 * H), period_end_time: iso(NOW - H), result_state: 'SUCCEEDED' },
      // A state the collector has never heard of is reported as it is.
      { workspace_id: 'w', job_id: 'j', run_id: 'r2', period_start_time: iso(NOW - H), period_end_time: iso(NOW - H / 2), result_state: 'SOMETHING_NEW' },
    ],
    'billing.usage': [
      { workspace_id: 'w', sku_name: 'S', cloud: 'AZURE', usage_unit: 'DBU', usage_start_time: iso(NOW - 3 * H), usage_date: iso(NOW - 3 * H).slice(0, 10), usage_quantity: '5', record_type: 'ORIGINAL' },
      // A retraction whose original is older than the window: negative, still summed.
      { workspace_id: 'w', sku_name: 'S', cloud: 'AZURE', usage_unit: 'DBU', usage_start_time: iso(NOW - 3 * H), usage_date: iso(NOW - 3 * H).slice(0, 10), usage_quantity: '-7', record_type: 'RETRACTION' },
    ],
    'query.history': [
      { workspace_id: 'w', statement_id: '1', execution_status: 'FINISHED', client_application: 'x', total_duration_ms: 500, start_time: iso(NOW - 60_000), end_time: iso(NOW - 59_500) },
      // Still running: no end, no duration.
      { workspace_id: 'w', statement_id: '2', execution_status: 'RUNNING', client_application: 'x', total_duration_ms: null, start_time: iso(NOW - 30_000), end_time: null },
    ],
  };
  const bad: Dataset = {
    'lakeflow.job_run_timeline': [
      { workspace_id: null, job_id: 'j', run_id: 'r9', period_start_time: iso(NOW - H), period_end_time: iso(NOW - H / 2), result_state: 'FAILED' },
      { workspace_id: 'w', job_id: 'j', run_id: null, period_start_time: iso(NOW - H), period_end_time: iso(NOW - H / 2), result_state: 'FAILED' },
    ],
    'lakeflow.job_task_run_timeline': [{ workspace_id: 'w', job_id: 'j', run_id: null, job_run_id: 'r1', task_key: null, period_start_time: iso(NOW - H), period_end_time: null }],
    'billing.usage': [
      { workspace_id: 'w', sku_name: 'S', cloud: 'AZURE', usage_unit: 'DBU', usage_start_time: iso(NOW - 3 * H), usage_date: iso(NOW - 3 * H).slice(0, 10), usage_quantity: null, record_type: 'ORIGINAL' },
      { workspace_id: 'w', sku_name: null, cloud: 'AZURE', usage_unit: 'DBU', usage_start_time: iso(NOW - 3 * H), usage_date: iso(NOW - 3 * H).slice(0, 10), usage_quantity: '3', record_type: 'ORIGINAL' },
    ],
    'lakeflow.pipeline_update_timeline': [{ workspace_id: 'w', pipeline_id: null, update_id: null, request_id: null, period_start_time: null, period_end_time: null, result_state: 'COMPLETED' }],
    'query.history': [{ workspace_id: null, statement_id: '3', execution_status: 'FAILED', total_duration_ms: 1, start_time: iso(NOW - 1000), end_time: iso(NOW) }],
  };
  const all: Dataset = {};
  for (const ds of [good, bad]) for (const [table, rows] of Object.entries(ds)) all[table] = [...(all[table] ?? []), ...rows];
  const dir = await mkdtemp(join(tmpdir(), 'lakepulse-bad-'));
  await writeDatasetNdjson(dir, all);
  const e = await startDatabricksEmulator({ dataDir: dir, now: () => NOW });
  try {
    const { result } = await collect(e);
    assert.equal(result.up, true, result.error);
    assert.deepEqual(statusOf(result.series), { billing: 1, jobs: 1, pipelines: 1, queries: 1 });
    const got = workload(result.series);
    const want = expectedMetrics(good, NOW);
    assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
    for (const [k, v] of want) assert.equal(got.get(k), v, k);
    assert.equal(got.get(key('databricks_job_run_status', { workspace_id: 'w', status: 'SOMETHING_NEW' })), 1);
    assert.equal(got.get(key('databricks_billing_dbus_total', { workspace_id: 'w', sku_name: 'S', usage_date: iso(NOW - 3 * H).slice(0, 10) })), -2);
  } finally {
    await e.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('after a warehouse failure a cache younger than twice the refresh interval is re-emitted with scrape_status 0, an older one is not', async () => {
  const state = new MemoryStateStore();
  const every5 = { DATABRICKS_JOBS_REFRESH_MINUTES: '5', DATABRICKS_PIPELINES_REFRESH_MINUTES: '5', DATABRICKS_QUERIES_REFRESH_MINUTES: '5' };
  const first = await collect(emu, { state, env: every5 });
  assert.equal(upOf(first.result.series), 1);
  const jobsSeries = [...workload(first.result.series).keys()].filter((k) => k.startsWith('databricks_job_'));
  assert.ok(jobsSeries.length > 0);
  emu.faults.coldStartCalls = 1_000_000;
  try {
    const env = { ...every5, DATABRICKS_COLD_START_DEADLINE_SECONDS: '1' };
    // 6 minutes later: jobs, pipelines and queries are due (5 min) and fail; billing (1 h) is still current.
    const soon = await collect(emu, { state, env, nowMs: NOW + 6 * 60_000 });
    assert.equal(upOf(soon.result.series), 0);
    assert.deepEqual(statusOf(soon.result.series), { billing: 1, jobs: 0, pipelines: 0, queries: 0 });
    const soonKeys = workload(soon.result.series);
    for (const k of jobsSeries) assert.ok(soonKeys.has(k), `${k} re-emitted from a recent cache`);
    assert.ok(soon.result.series.every((s) => s.samples[0]!.timestampMs === NOW + 6 * 60_000));
    // 11 minutes after the last success: older than 2 × 5 min, so job metrics disappear; billing stays.
    const late = await collect(emu, { state, env, nowMs: NOW + 11 * 60_000 });
    const lateKeys = [...workload(late.result.series).keys()];
    assert.equal(lateKeys.filter((k) => k.startsWith('databricks_job_')).length, 0);
    assert.ok(lateKeys.some((k) => k.startsWith('databricks_billing_dbus_total')));
    assert.match(late.result.error ?? '', /jobs:/);
  } finally {
    emu.faults.coldStartCalls = 0;
  }
});

test('an aborted cycle starts no statement', async () => {
  const controller = new AbortController();
  controller.abort();
  const before = emu.stats.statements;
  const { result } = await collect(emu, { signal: controller.signal });
  assert.equal(emu.stats.statements, before);
  assert.equal(upOf(result.series), 0);
  assert.equal(result.up, false);
});

test('auth: a rejected token names DATABRICKS_TOKEN; DATABRICKS_AUTH=azure hands the Entra token to the driver and names the identity when it fails', async () => {
  const secret = 'dapi-this-is-not-the-token-0123';
  const bad = await collect(emu, { env: { DATABRICKS_TOKEN: secret } });
  assert.equal(bad.result.up, false);
  assert.match(bad.result.error ?? '', /DATABRICKS_TOKEN/);
  assert.ok(!JSON.stringify({ r: bad.result, l: bad.log.lines }).includes(secret));

  const scopes: string[] = [];
  const working: TokenCredential = {
    async getToken(scope): Promise<AccessToken> {
      scopes.push(String(scope));
      return { token: emu.token, expiresOnTimestamp: Date.now() + H };
    },
  };
  const ok = await collect(emu, { env: { DATABRICKS_AUTH: 'azure' }, credential: working });
  assert.equal(ok.result.up, true, ok.result.error);
  assert.deepEqual([...new Set(scopes)], ['2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default']);

  const failing: TokenCredential = {
    async getToken(): Promise<AccessToken> {
      throw new Error('ManagedIdentityCredential: no managed identity endpoint');
    },
  };
  const down = await collect(emu, { env: { DATABRICKS_AUTH: 'azure' }, credential: failing });
  assert.equal(down.result.up, false);
  assert.match(down.result.error ?? '', /DATABRICKS_AUTH=azure/);
  assert.ok(!JSON.stringify(down.log.lines).includes(emu.token));
});

test('the built-in data set has retries, SLA misses and price changes, so the reference comparison exercises them', async () => {
  // Guards the reference itself: it must see rows in each domain of the built-in data set.
  const want = expectedMetrics(syntheticDataset(NOW), NOW);
  for (const family of ['databricks_task_retries_total', 'databricks_pipeline_retry_events_total', 'databricks_job_sla_miss_total', 'databricks_price_change_events']) {
    assert.ok([...want.keys()].some((k) => k.startsWith(`${family}{`)), family);
  }
});
