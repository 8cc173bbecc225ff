import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../lib/config';
import { startDatabricksEmulator, syntheticDataset, writeDatasetNdjson, type DatabricksEmulator, type Dataset } from '../../../lib/emulators/databricks';
import { memoryLogger } from '../../../lib/log';
import type { Series } from '../../../lib/series';
import { createDatabricksSource } from '../../../lib/sources/databricks';
import { MemoryStateStore, type StateStore } from '../../../lib/state/store';
import { expectedMetrics, key } from './reference';

// The start of an hour: refreshes are aligned to wall-clock slots, so each test knows which domains fall due when.
const NOW = Math.floor(Date.now() / 3_600_000) * 3_600_000;
let emu: DatabricksEmulator;
before(async () => {
  emu = await startDatabricksEmulator({ now: () => NOW });
});
after(async () => {
  await emu.close();
});

async function collect(e: DatabricksEmulator, state: StateStore = new MemoryStateStore(), env: Record<string, string> = {}, nowMs = NOW) {
  const config = loadConfig({ ...e.env, ...env }, { dryRun: true });
  const log = memoryLogger();
  const source = createDatabricksSource({ sleep: async () => undefined });
  try {
    const [result] = await source.collect({ config, log, state, signal: new AbortController().signal, nowMs });
    return { result: result!, log };
  } finally {
    await source.close?.();
  }
}

function actual(series: Series[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of series) {
    const { __name__, job, instance, ...labels } = s.labels;
    if (__name__ === 'databricks_up' || __name__ === 'databricks_scrape_status' || __name__!.startsWith('lakepulse_')) continue;
    m.set(key(__name__!, labels), s.samples[0]!.value);
  }
  return m;
}

function assertMatches(got: Map<string, number>, want: Map<string, number>) {
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
  for (const [k, v] of want) {
    const g = got.get(k)!;
    assert.ok(Math.abs(g - v) <= 1e-6 * Math.max(1, Math.abs(v)), `${k}: got ${g}, want ${v}`);
  }
}

test('every metric matches its value computed independently from the built-in data set', async () => {
  const { result, log } = await collect(emu);
  assert.equal(result.up, true, result.error);
  assert.deepEqual(log.lines.filter((l) => l.level === 'error'), []);
  const want = expectedMetrics(syntheticDataset(NOW), NOW);
  assertMatches(actual(result.series), want);
  const families = new Set([...want.keys()].map((k) => k.slice(0, k.indexOf('{'))));
  assert.equal(families.size, 17, 'the 17 workload metrics of the README, plus databricks_up: 18');
  assert.ok(result.series.some((s) => s.labels.__name__ === 'databricks_up'));
  for (const s of result.series) {
    if (s.labels.__name__!.startsWith('lakepulse_')) continue; // the collector's own cost: job="lakepulse"
    assert.equal(s.labels.job, 'databricks');
    assert.equal(s.labels.instance, '127.0.0.1');
    assert.equal(s.samples[0]!.timestampMs, NOW);
  }
  const status = result.series.filter((s) => s.labels.__name__ === 'databricks_scrape_status');
  assert.deepEqual(status.map((s) => [s.labels.query, s.samples[0]!.value]).sort(), [['billing', 1], ['jobs', 1], ['pipelines', 1], ['queries', 1]]);
  assert.equal(result.series.find((s) => s.labels.__name__ === 'databricks_up')?.samples[0]?.value, 1);
  assert.equal((result.metadata ?? []).find((m) => m.name === 'databricks_job_runs_total')?.type, 'gauge', 'windowed counts are gauges');
});

test('at most one statement per domain, marked and tagged, with STATEMENT_TIMEOUT; cached results are re-emitted without waking the warehouse', async () => {
  const state = new MemoryStateStore();
  const before = emu.stats.statements;
  const first = await collect(emu, state);
  assert.equal(emu.stats.statements - before, 4);
  assert.ok(emu.stats.sqlLog.slice(-4).every((sql) => sql.startsWith('/* lakepulse */')));
  assert.match(emu.stats.userAgents.at(-1) ?? '', /\(lakepulse;/);
  assert.equal(emu.stats.sessionConfiguration.STATEMENT_TIMEOUT, '300');
  const later = NOW + 60_000;
  const second = await collect(emu, state, {}, later);
  assert.equal(emu.stats.statements - before, 4, 'no statement within the refresh interval');
  assert.deepEqual(actual(second.result.series), actual(first.result.series));
  assert.ok(second.result.series.every((s) => s.samples[0]!.timestampMs === later), 'cached values carry the current timestamp');
  await collect(emu, state, {}, NOW + 14 * 60_000);
  assert.equal(emu.stats.statements - before, 4, 'nothing is due within the first 15-minute slot');
  await collect(emu, state, {}, NOW + 15 * 60_000 + 900);
  assert.equal(emu.stats.statements - before, 6, 'at :15 jobs and pipelines refresh; queries (30 min) and billing (1 h) do not');
  await collect(emu, state, {}, NOW + 30 * 60_000 + 900);
  assert.equal(emu.stats.statements - before, 9, 'at :30 jobs, pipelines and queries refresh together');
});

test('edge cases: multi-slice runs, retries, a price change mid-usage, retractions, freshness, own statements', async () => {
  const now = NOW;
  const h = 3_600_000;
  const iso = (ms: number) => new Date(ms).toISOString();
  const ds: Dataset = {
    'lakeflow.job_run_timeline': [
      // One run over three hourly rows: counts once, lasts 2.5 h, FAILED from its last row, an SLA miss.
      { workspace_id: 'w', job_id: 'j', run_id: 'r1', period_start_time: iso(now - 3 * h), period_end_time: iso(now - 2 * h), result_state: null },
      { workspace_id: 'w', job_id: 'j', run_id: 'r1', period_start_time: iso(now - 2 * h), period_end_time: iso(now - h), result_state: null },
      { workspace_id: 'w', job_id: 'j', run_id: 'r1', period_start_time: iso(now - h), period_end_time: iso(now - h / 2), result_state: 'FAILED' },
      { workspace_id: 'w', job_id: 'j', run_id: 'r2', period_start_time: iso(now - h / 4), period_end_time: iso(now - h / 8), result_state: 'SUCCEEDED' },
    ],
    'lakeflow.job_task_run_timeline': [
      { workspace_id: 'w', job_id: 'j', run_id: 't1', job_run_id: 'r1', task_key: 'load', period_start_time: iso(now - 3 * h), period_end_time: iso(now - 2 * h) },
      { workspace_id: 'w', job_id: 'j', run_id: 't1', job_run_id: 'r1', task_key: 'load', period_start_time: iso(now - 2 * h), period_end_time: iso(now - h) },
      { workspace_id: 'w', job_id: 'j', run_id: 't2', job_run_id: 'r1', task_key: 'load', period_start_time: iso(now - h), period_end_time: iso(now - h / 2) },
    ],
    'billing.list_prices': [
      { price_start_time: iso(now - 100 * 24 * h), price_end_time: iso(now - 5 * h), sku_name: 'S', cloud: 'AZURE', currency_code: 'USD', usage_unit: 'DBU', pricing: { default: '1.0' } },
      { price_start_time: iso(now - 5 * h), price_end_time: null, sku_name: 'S', cloud: 'AZURE', currency_code: 'USD', usage_unit: 'DBU', pricing: { default: '3.0', effective_list: { default: '2.0' } } },
    ],
    'billing.usage': [
      { workspace_id: 'w', sku_name: 'S', cloud: 'AZURE', usage_unit: 'DBU', usage_start_time: iso(now - 6 * h), usage_date: iso(now - 6 * h).slice(0, 10), usage_quantity: '10', record_type: 'ORIGINAL' },
      { workspace_id: 'w', sku_name: 'S', cloud: 'AZURE', usage_unit: 'DBU', usage_start_time: iso(now - 2 * h), usage_date: iso(now - 2 * h).slice(0, 10), usage_quantity: '10', record_type: 'ORIGINAL' },
      { workspace_id: 'w', sku_name: 'S', cloud: 'AZURE', usage_unit: 'DBU', usage_start_time: iso(now - 2 * h), usage_date: iso(now - 2 * h).slice(0, 10), usage_quantity: '-10', record_type: 'RETRACTION' },
      { workspace_id: 'w', sku_name: 'S', cloud: 'AZURE', usage_unit: 'DBU', usage_start_time: iso(now - 2 * h), usage_date: iso(now - 2 * h).slice(0, 10), usage_quantity: '4', record_type: 'RESTATEMENT' },
    ],
    'lakeflow.pipeline_update_timeline': [
      { workspace_id: 'w', pipeline_id: 'p', update_id: 'u1', request_id: 'a', period_start_time: iso(now - 50 * h), period_end_time: iso(now - 49 * h), result_state: 'COMPLETED' },
    ],
    'query.history': [
      { workspace_id: 'w', statement_id: '1', execution_status: 'FINISHED', client_application: 'Dashboard', statement_text: 'SELECT 1', total_duration_ms: 1000, start_time: iso(now - 600_000), end_time: iso(now - 599_000) },
      { workspace_id: 'w', statement_id: '2', execution_status: 'FAILED', client_application: 'Dashboard', statement_text: 'SELECT 2', total_duration_ms: 3000, start_time: iso(now - 599_500), end_time: iso(now - 596_500) },
      { workspace_id: 'w', statement_id: '3', execution_status: 'FINISHED', client_application: 'lakepulse', statement_text: '/* lakepulse */ SELECT', total_duration_ms: 9000, start_time: iso(now - 599_800), end_time: iso(now - 590_000) },
    ],
  };
  const dir = await mkdtemp(join(tmpdir(), 'lakepulse-edge-'));
  await writeDatasetNdjson(dir, ds);
  const edge = await startDatabricksEmulator({ dataDir: dir, now: () => now });
  try {
    const { result } = await collect(edge);
    const got = actual(result.series);
    assert.equal(got.get(key('databricks_job_runs_total', { workspace_id: 'w' })), 2);
    assert.equal(got.get(key('databricks_job_run_status', { workspace_id: 'w', status: 'FAILED' })), 1);
    assert.equal(got.get(key('databricks_job_sla_miss_total', { workspace_id: 'w' })), 1);
    assert.equal(got.get(key('databricks_job_run_duration_seconds', { workspace_id: 'w', quantile: '0.99' })), 2.5 * 3600);
    assert.equal(got.get(key('databricks_task_retries_total', { workspace_id: 'w' })), 1, 'two task runs of "load" in one job run: one retry, however many slices');
    const day2 = iso(now - 2 * h).slice(0, 10);
    const day6 = iso(now - 6 * h).slice(0, 10);
    const cost = (d: string) => got.get(key('databricks_billing_cost_estimate_usd', { workspace_id: 'w', sku_name: 'S', usage_date: d }));
    if (day2 === day6) assert.equal(cost(day2), 10 * 1.0 + 4 * 2.0);
    else assert.deepEqual([cost(day6), cost(day2)], [10, 8]);
    assert.equal(got.get(key('databricks_price_change_events', { sku_name: 'S' })), 1, 'a single price change counts');
    assert.equal(got.get(key('databricks_pipeline_freshness_lag_seconds', { workspace_id: 'w', pipeline_id: 'p', stage: 'pipeline-p' })), 49 * 3600);
    assert.equal(got.get(key('databricks_queries_total', { workspace_id: 'w' })), 2, 'our own statement is excluded');
    assert.equal(got.get(key('databricks_query_errors_total', { workspace_id: 'w' })), 1);
    assert.equal(got.get(key('databricks_queries_running', { workspace_id: 'w' })), 2);
    assertMatches(got, expectedMetrics(ds, now));
    // Freshness keeps growing while no update completes.
    const later = await collect(edge, new MemoryStateStore(), {}, now + 600_000);
    assert.ok((actual(later.result.series).get(key('databricks_pipeline_freshness_lag_seconds', { workspace_id: 'w', pipeline_id: 'p', stage: 'pipeline-p' })) ?? 0) >= 49 * 3600);
  } finally {
    await edge.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a warehouse that is starting (HTTP 503, then an error inside HTTP 200) is retried within the deadline', async () => {
  emu.faults.coldStartCalls = 2;
  emu.faults.coldStartErrorState = 1;
  const { result, log } = await collect(emu);
  assert.equal(result.up, true, result.error);
  assert.ok(log.lines.filter((l) => l.message === 'databricks warehouse not ready, retrying').length >= 2);
  emu.faults.coldStartCalls = 1000;
  const down = await collect(emu, new MemoryStateStore(), { DATABRICKS_COLD_START_DEADLINE_SECONDS: '1' });
  emu.faults.coldStartCalls = 0;
  assert.equal(down.result.up, false);
  assert.equal(down.result.series.find((s) => s.labels.__name__ === 'databricks_up')?.samples[0]?.value, 0);
});

test('a missing or ungranted table takes out only its domain, names the GRANT once, and is rechecked after N cycles', async () => {
  const state = new MemoryStateStore();
  emu.faults.missingTables = ['system.query.history'];
  emu.faults.deniedTables = ['system.lakeflow.pipeline_update_timeline'];
  try {
    const env = { DATABRICKS_TABLE_RECHECK_CYCLES: '2', DATABRICKS_JOBS_REFRESH_MINUTES: '1', DATABRICKS_QUERIES_REFRESH_MINUTES: '1', DATABRICKS_PIPELINES_REFRESH_MINUTES: '1' };
    const first = await collect(emu, state, env);
    const status = (r: typeof first) => Object.fromEntries(r.result.series.filter((s) => s.labels.__name__ === 'databricks_scrape_status').map((s) => [s.labels.query, s.samples[0]!.value]));
    assert.deepEqual(status(first), { billing: 1, jobs: 1, pipelines: 0, queries: 0 });
    const errors = first.log.lines.filter((l) => l.message === 'databricks domain unavailable');
    assert.equal(errors.length, 2);
    assert.match(JSON.stringify(errors), /GRANT SELECT ON TABLE system\.query\.history/);
    assert.match(JSON.stringify(errors), /INSUFFICIENT_PERMISSIONS/);
    const pipelinesLine = JSON.stringify(errors.find((l) => l.fields?.domain === 'pipelines'));
    assert.match(pipelinesLine, /GRANT SELECT ON TABLE system\.lakeflow\.pipeline_update_timeline TO/);
    assert.doesNotMatch(pipelinesLine, /ON TABLE system\.lakeflow\.pipelines TO/, 'only the table that failed is named');
    assert.ok(first.result.series.some((s) => s.labels.__name__ === 'databricks_job_runs_total'));
    const statements = emu.stats.statements;
    const second = await collect(emu, state, env, NOW + 120_000);
    assert.deepEqual(status(second), { billing: 1, jobs: 1, pipelines: 0, queries: 0 });
    assert.equal(second.log.lines.filter((l) => l.message === 'databricks domain unavailable').length, 0, 'logged once, not every cycle');
    assert.equal(emu.stats.statements - statements, 1, 'only jobs ran; the unavailable domains were not retried');
    emu.faults.missingTables = [];
    emu.faults.deniedTables = [];
    await collect(emu, state, env, NOW + 240_000);
    const fourth = await collect(emu, state, env, NOW + 360_000);
    assert.deepEqual(status(fourth), { billing: 1, jobs: 1, pipelines: 1, queries: 1 }, 'rechecked after the configured cycles');
  } finally {
    emu.faults.missingTables = [];
    emu.faults.deniedTables = [];
  }
});

test('auth errors name the setting and never print the secret', async () => {
  const { result, log } = await collect(emu, new MemoryStateStore(), { DATABRICKS_TOKEN: 'dapi-wrong-secret-value-000', DATABRICKS_COLD_START_DEADLINE_SECONDS: '1' });
  assert.equal(result.up, false);
  const everything = JSON.stringify({ result, lines: log.lines });
  assert.ok(!everything.includes('dapi-wrong-secret-value-000'));
  await assert.rejects(collect(emu, new MemoryStateStore(), { DATABRICKS_CA_CERT: '/nonexistent/ca.pem' }), /DATABRICKS_CA_CERT/);
});

test('the OAuth M2M discovery and token endpoints issue a JWT-shaped token the warehouse accepts', async () => {
  const base = `https://127.0.0.1:${emu.port}`;
  const https = await import('node:https');
  const request = (path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = https.request(`${base}${path}`, { method: init.method ?? 'GET', headers: init.headers, ca: emu.caCertPem }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end(init.body);
    });
  const discovery = JSON.parse((await request('/oidc/.well-known/oauth-authorization-server')).body) as { token_endpoint: string };
  assert.match(discovery.token_endpoint, /\/oidc\/v1\/token$/);
  const basic = Buffer.from(`${emu.clientId}:${emu.clientSecret}`).toString('base64');
  const ok = await request('/oidc/v1/token', { method: 'POST', headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&scope=all-apis' });
  const token = (JSON.parse(ok.body) as { access_token: string }).access_token;
  assert.equal(token.split('.').length, 3);
  assert.ok((JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp > Date.now() / 1000);
  const bad = await request('/oidc/v1/token', { method: 'POST', headers: { Authorization: `Basic ${Buffer.from(`${emu.clientId}:nope`).toString('base64')}` }, body: 'grant_type=client_credentials' });
  assert.equal(bad.status, 401);
});
