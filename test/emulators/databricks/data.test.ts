import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startDatabricksEmulator, syntheticDataset, writeDatasetNdjson, LAKEPULSE_CLIENT_APPLICATION } from '../../../lib/emulators/databricks';
import { openSession, query } from './client';

const NOW = Date.parse('2026-03-10T12:00:00Z');
const TABLES = ['billing.usage', 'billing.list_prices', 'lakeflow.jobs', 'lakeflow.job_run_timeline', 'lakeflow.job_task_run_timeline',
  'lakeflow.pipelines', 'lakeflow.pipeline_update_timeline', 'query.history', 'compute.warehouse_events'];

test('NDJSON round trip: the synthetic set written to a directory loads back with the same row counts', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dbemu-ndjson-'));
  const dataset = syntheticDataset(NOW, 7);
  await writeDatasetNdjson(dir, dataset);
  const emu = await startDatabricksEmulator({ dataDir: dir, nowMs: NOW });
  const conn = await openSession(emu);
  try {
    for (const table of TABLES) {
      const [row] = await query(conn.session, `SELECT count(*) AS n FROM system.${table}`);
      assert.equal(row?.n, (dataset[table] ?? []).length, table);
    }
    const [sum] = await query(conn.session, "SELECT CAST(sum(usage_quantity) AS STRING) AS s FROM system.billing.usage WHERE usage_unit = 'DBU'");
    const cents = (dataset['billing.usage'] ?? []).filter((r) => r.usage_unit === 'DBU' && typeof r.usage_quantity === 'string')
      .reduce((acc, r) => acc + Math.round(Number(r.usage_quantity) * 100), 0);
    assert.equal(Math.round(Number(sum?.s) * 100), cents, 'exact decimal sum');
  } finally {
    await conn.close();
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('NDJSON: offsets are honoured, missing files give empty tables, structs, maps and exact decimals load', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dbemu-ndjson-'));
  await writeFile(join(dir, 'billing.usage.ndjson'), [
    { record_id: 'a', workspace_id: '1', usage_start_time: '2026-03-01T12:00:00+02:00', usage_date: '2026-03-01', usage_quantity: '1.250000000000000001', custom_tags: { team: 'x' }, usage_metadata: { job_id: '42' }, usage_unit: 'DBU' },
    { record_id: 'b', workspace_id: '1', usage_start_time: '2026-03-01 10:30:00Z', usage_quantity: '-0.5', custom_tags: {}, usage_unit: 'DBU', unknown_column: 1 },
  ].map((r) => JSON.stringify(r)).join('\n'));
  const emu = await startDatabricksEmulator({ dataDir: dir, nowMs: NOW });
  const conn = await openSession(emu);
  try {
    const rows = await query(conn.session, "SELECT record_id, usage_start_time, custom_tags['team'] AS team, usage_metadata.job_id AS job, CAST(usage_quantity AS STRING) AS q FROM system.billing.usage ORDER BY record_id");
    assert.deepEqual(rows, [
      { record_id: 'a', usage_start_time: '2026-03-01 10:00:00', team: 'x', job: '42', q: '1.2500000000' },
      { record_id: 'b', usage_start_time: '2026-03-01 10:30:00', team: null, job: null, q: '-0.5000000000' },
    ]);
    const [empty] = await query(conn.session, 'SELECT count(*) AS n FROM system.query.history');
    assert.equal(empty?.n, 0);
  } finally {
    await conn.close();
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('the synthetic data set is deterministic for (nowMs, seed) and differs with the seed', () => {
  assert.deepEqual(syntheticDataset(NOW, 3), syntheticDataset(NOW, 3));
  assert.notDeepEqual(syntheticDataset(NOW, 3)['billing.usage'], syntheticDataset(NOW, 4)['billing.usage']);
});

test('the synthetic data set holds the cases the collector must handle', () => {
  const ds = syntheticDataset(NOW);
  const usage = ds['billing.usage'] ?? [];
  assert.ok(usage.some((r) => r.record_type === 'RETRACTION' && Number(r.usage_quantity) < 0));
  assert.ok(usage.some((r) => r.record_type === 'RESTATEMENT'));
  assert.ok(new Set(usage.map((r) => r.usage_unit)).size >= 2);
  assert.ok(new Set(usage.map((r) => r.sku_name)).size >= 3);
  assert.ok(usage.every((r) => r.cloud === 'AZURE'));
  assert.equal(new Set(usage.map((r) => r.workspace_id).filter((w) => w !== null)).size, 3);
  assert.ok(usage.some((r) => r.workspace_id === null));
  const days = new Set(usage.map((r) => r.usage_date));
  assert.ok(days.size >= 28, 'about a month of hourly usage');

  const prices = ds['billing.list_prices'] ?? [];
  const recent = prices.filter((p) => Date.parse(String(p.price_start_time)) > NOW - 90 * 86_400_000);
  assert.ok(recent.length > 0, 'a price change within 90 days');
  const pricing = (p: Record<string, unknown>) => p.pricing as { default: string; effective_list: { default: string } };
  assert.ok(prices.some((p) => pricing(p).default !== pricing(p).effective_list.default));

  const jobs = ds['lakeflow.jobs'] ?? [];
  const names = new Map<string, Set<unknown>>();
  for (const j of jobs) names.set(`${j.workspace_id}/${j.job_id}`, (names.get(`${j.workspace_id}/${j.job_id}`) ?? new Set()).add(j.name));
  assert.ok([...names.values()].some((s) => s.size > 1), 'a renamed job');
  assert.ok(jobs.some((j) => j.delete_time !== null && j.delete_time !== undefined), 'a deleted job');

  const slices = ds['lakeflow.job_run_timeline'] ?? [];
  const byRun = new Map<string, Array<Record<string, unknown>>>();
  for (const s of slices) if (s.run_id !== null) byRun.set(String(s.run_id), [...(byRun.get(String(s.run_id)) ?? []), s]);
  const multi = [...byRun.values()].filter((rs) => rs.length > 1);
  assert.ok(multi.length > 0, 'runs longer than an hour span several slices');
  const spans: number[] = [];
  for (const rs of multi) {
    const ordered = rs.sort((a, b) => Date.parse(String(a.period_start_time)) - Date.parse(String(b.period_start_time)));
    assert.ok(ordered.slice(0, -1).every((s) => s.result_state === null), 'result_state only on the final slice');
    for (const s of ordered) assert.ok(Date.parse(String(s.period_end_time)) - Date.parse(String(s.period_start_time)) <= 3_600_000, 'a slice is at most an hour');
    spans.push(Date.parse(String(ordered.at(-1)!.period_end_time)) - Date.parse(String(ordered[0]!.period_start_time)));
  }
  assert.ok(spans.some((span) => span > 3_600_000), 'runs over 3600 s');
  const finals = new Set(slices.map((s) => s.result_state));
  for (const state of ['SUCCEEDED', 'FAILED', 'CANCELLED', 'TIMED_OUT', 'WEIRD_STATE']) assert.ok(finals.has(state), state);
  assert.ok([...byRun.values()].some((rs) => rs.every((s) => s.result_state === null)), 'an in-progress run');

  const tasks = ds['lakeflow.job_task_run_timeline'] ?? [];
  const attempts = new Map<string, Set<unknown>>();
  for (const t of tasks) attempts.set(`${t.job_run_id}/${t.task_key}`, (attempts.get(`${t.job_run_id}/${t.task_key}`) ?? new Set()).add(t.run_id));
  assert.ok([...attempts.values()].some((s) => s.size > 1), 'a retried task');

  const updates = ds['lakeflow.pipeline_update_timeline'] ?? [];
  const requests = new Map<string, Set<unknown>>();
  for (const u of updates) requests.set(String(u.update_id), (requests.get(String(u.update_id)) ?? new Set()).add(u.request_id));
  assert.ok([...requests.values()].some((s) => s.size > 1), 'a retried update');
  assert.ok(updates.some((u) => u.result_state === 'FAILED'));
  const lastCompleted = new Map<string, number>();
  for (const u of updates) if (u.result_state === 'COMPLETED') lastCompleted.set(String(u.pipeline_id), Math.max(lastCompleted.get(String(u.pipeline_id)) ?? 0, Date.parse(String(u.period_end_time))));
  assert.ok([...lastCompleted.values()].some((t) => NOW - t > 2 * 86_400_000), 'a pipeline whose last completed update is days old');

  const history = ds['query.history'] ?? [];
  for (const status of ['FINISHED', 'FAILED', 'CANCELED']) assert.ok(history.some((q) => q.execution_status === status), status);
  assert.ok(history.some((q) => q.client_application === LAKEPULSE_CLIENT_APPLICATION));
  assert.ok(new Set(history.map((q) => (q.compute as { warehouse_id: string }).warehouse_id)).size >= 2);
  assert.ok((ds['compute.warehouse_events'] ?? []).some((e) => e.event_type === 'SCALED_UP'));
});
