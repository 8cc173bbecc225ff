import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../lib/config';
import { startDatabricksEmulator, type DatabricksEmulator } from '../../../lib/emulators/databricks';
import { silentLogger } from '../../../lib/log';
import type { Series } from '../../../lib/series';
import { createDatabricksSource } from '../../../lib/sources/databricks';
import { planCycle, type ScheduleState } from '../../../lib/sources/databricks/schedule';
import { MemoryStateStore, type StateStore } from '../../../lib/state/store';

const HOUR = 3_600_000;
const MIN = 60_000;
const T0 = Math.floor(Date.now() / HOUR) * HOUR;
let clock = T0;
let emu: DatabricksEmulator;
before(async () => {
  emu = await startDatabricksEmulator({ now: () => clock });
});
after(async () => {
  await emu.close();
});

/** A timer that fires every minute (each firing `jitterMs(i)` late); per cycle, the statements the warehouse ran. */
async function runHour(o: { state?: StateStore; env?: Record<string, string>; jitterMs?: (i: number) => number; cycles?: number; fromMinute?: number } = {}) {
  const config = loadConfig({ ...emu.env, LAKEPULSE_INSTANCE: 'cost-test', ...o.env }, { dryRun: true });
  const source = createDatabricksSource({ sleep: async () => undefined });
  const state = o.state ?? new MemoryStateStore();
  const perCycle: number[] = [];
  let last: Series[] = [];
  try {
    for (let i = o.fromMinute ?? 0; i < (o.fromMinute ?? 0) + (o.cycles ?? 60); i++) {
      clock = T0 + i * MIN + (o.jitterMs?.(i) ?? 0);
      const before = emu.stats.statements;
      const [result] = await source.collect({ config, log: silentLogger, state, signal: new AbortController().signal, nowMs: clock });
      perCycle.push(emu.stats.statements - before);
      last = result!.series;
    }
  } finally {
    await source.close?.();
  }
  const wakes = perCycle.filter((n) => n > 0).length;
  return { perCycle, wakes, statements: perCycle.reduce((a, b) => a + b, 0), last, state };
}

const values = (series: Series[], name: string) =>
  Object.fromEntries(series.filter((s) => s.labels.__name__ === name).map((s) => [s.labels.query ?? '', s.samples[0]!.value]));

test('at the defaults an hour of 1-minute cycles wakes the warehouse 4 times and runs 11 statements, all due domains together', async () => {
  const { perCycle, wakes, statements } = await runHour();
  assert.equal(wakes, 4);
  assert.equal(statements, 11);
  assert.deepEqual(
    perCycle.flatMap((n, minute) => (n > 0 ? [[minute, n]] : [])),
    [[0, 4], [15, 2], [30, 3], [45, 2]],
    'every due domain in the same cycle: at :00 all four, at :30 jobs, pipelines and queries',
  );
});

test('a timer that fires late by up to 55 s still refreshes once per slot, never a minute later', async () => {
  const { perCycle, wakes, statements } = await runHour({ jitterMs: (i) => ((i * 7919) % 55) * 1000 });
  assert.equal(wakes, 4);
  assert.equal(statements, 11);
  assert.deepEqual(perCycle.flatMap((n, minute) => (n > 0 ? [minute] : [])), [0, 15, 30, 45]);
});

test("the collector's own cost is counted as lakepulse_databricks_* series that accumulate across runs", async () => {
  const first = await runHour({ cycles: 31 });
  assert.equal(first.statements, 9);
  const labels = first.last.find((s) => s.labels.__name__ === 'lakepulse_databricks_wakes_total')?.labels;
  assert.deepEqual({ ...labels }, { __name__: 'lakepulse_databricks_wakes_total', job: 'lakepulse', instance: 'cost-test', source: 'databricks', target: '127.0.0.1' });
  assert.deepEqual(values(first.last, 'lakepulse_databricks_wakes_total'), { '': 3 });
  assert.deepEqual(values(first.last, 'lakepulse_databricks_statements_total'), { billing: 1, jobs: 3, pipelines: 3, queries: 2 });
  const seconds = values(first.last, 'lakepulse_databricks_statement_duration_seconds_total');
  for (const q of ['billing', 'jobs', 'pipelines', 'queries']) assert.ok(seconds[q]! > 0 && seconds[q]! < 60, `${q}: ${seconds[q]} s`);
  const rows = values(first.last, 'lakepulse_databricks_rows_fetched_total');
  // Billing ran once, at :00; each of its rows is one point, re-emitted since from the cache.
  const billingPoints = first.last.filter((s) => /^databricks_(billing_|price_change)/.test(s.labels.__name__!)).length;
  assert.ok(billingPoints > 0);
  assert.equal(rows.billing, billingPoints);
  assert.ok(rows.jobs! > 0 && rows.pipelines! > 0 && rows.queries! > 0);
  // A new process (a fresh source) with the same state store carries the counters on.
  const second = await runHour({ state: first.state, fromMinute: 31, cycles: 1 });
  assert.equal(second.statements, 0, 'minute 31: everything is cached');
  assert.deepEqual(values(second.last, 'lakepulse_databricks_wakes_total'), { '': 3 }, 'a cycle that ran nothing is not a wake');
  assert.deepEqual(values(second.last, 'lakepulse_databricks_statements_total'), { billing: 1, jobs: 3, pipelines: 3, queries: 2 });
});

test('a missing table is rechecked at the next wake, never with a wake of its own', async () => {
  emu.faults.missingTables = ['system.lakeflow.pipeline_update_timeline'];
  try {
    const { perCycle, wakes } = await runHour({ env: { DATABRICKS_TABLE_RECHECK_CYCLES: '3' } });
    assert.equal(wakes, 4, 'the recheck rides on the 15-minute wakes');
    assert.deepEqual(perCycle.flatMap((n, minute) => (n > 0 ? [[minute, n]] : [])), [[0, 4], [15, 2], [30, 3], [45, 2]]);
  } finally {
    emu.faults.missingTables = [];
  }
});

test('planCycle: a due domain wakes the warehouse and takes a pending recheck along; a recheck alone waits for its slot', () => {
  const refresh = [60 * MIN, 15 * MIN];
  const cached: ScheduleState = { refreshedAtMs: T0, hasPoints: true };
  const pending = (): ScheduleState => ({ hasPoints: false, unavailableCyclesLeft: 0, unavailableSinceMs: T0 + MIN });
  assert.deepEqual(planCycle([pending(), { ...cached }], refresh, T0 + 5 * MIN), ['unavailable', 'cached']);
  assert.deepEqual(planCycle([pending(), { ...cached }], refresh, T0 + 15 * MIN), ['query', 'query'], 'jobs is due at :15 and the recheck rides along');
  assert.deepEqual(planCycle([pending(), { ...cached, refreshedAtMs: T0 + 15 * MIN }], refresh, T0 + 61 * MIN), ['query', 'query'], 'a new hour: its own slot');
  const counting: ScheduleState = { hasPoints: false, unavailableCyclesLeft: 2, unavailableSinceMs: T0 };
  assert.deepEqual(planCycle([counting, { ...cached }], refresh, T0 + 15 * MIN), ['unavailable', 'query']);
  assert.equal(counting.unavailableCyclesLeft, 1, 'each cycle counts down');
  assert.deepEqual(planCycle([{ hasPoints: false }, { ...cached }], refresh, T0 + MIN), ['query', 'cached'], 'nothing cached yet: due at once');
});
