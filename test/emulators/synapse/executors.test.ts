import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startSynapseEmulator, type SparkApp, type SparkExecutor, type SynapseEmulator } from '../../../lib/emulators/synapse';
import { appUrl, get, runningApps, SAMPLE_LINE } from './client';

let emu: SynapseEmulator;
before(async () => {
  emu = await startSynapseEmulator();
});
after(async () => {
  await emu.close();
});

/** The 3.x metric names, written out from the PrometheusResource.scala table (synapse.md §4). */
const BASE = ['rddBlocks', 'memoryUsed_bytes', 'diskUsed_bytes', 'totalCores', 'maxTasks', 'activeTasks', 'failedTasks_total', 'completedTasks_total', 'totalTasks_total', 'totalDuration_seconds_total', 'totalGCTime_seconds_total', 'totalInputBytes_bytes_total', 'totalShuffleRead_bytes_total', 'totalShuffleWrite_bytes_total', 'maxMemory_bytes'];
const MEMORY = ['usedOnHeapStorageMemory_bytes', 'usedOffHeapStorageMemory_bytes', 'totalOnHeapStorageMemory_bytes', 'totalOffHeapStorageMemory_bytes'];
const PEAK = ['JVMHeapMemory', 'JVMOffHeapMemory', 'OnHeapExecutionMemory', 'OffHeapExecutionMemory', 'OnHeapStorageMemory', 'OffHeapStorageMemory', 'OnHeapUnifiedMemory', 'OffHeapUnifiedMemory', 'DirectPoolMemory', 'MappedPoolMemory', 'ProcessTreeJVMVMemory', 'ProcessTreeJVMRSSMemory', 'ProcessTreePythonVMemory', 'ProcessTreePythonRSSMemory', 'ProcessTreeOtherVMemory', 'ProcessTreeOtherRSSMemory'].map((n) => `${n}_bytes`).concat(['MinorGCCount_total', 'MajorGCCount_total', 'MinorGCTime_seconds_total', 'MajorGCTime_seconds_total']);

function expectedNames(e: SparkExecutor): string[] {
  return [...BASE, ...(e.memoryMetrics ? MEMORY : []), ...(e.peakMemoryMetrics ? PEAK : [])].map((n) => `metrics_executor_${n}`);
}

/** What the text should say for a metric, from the data set's raw numbers. */
function expectedValue(e: SparkExecutor, metric: string): number {
  const name = metric.replace(/^metrics_executor_/, '');
  const direct: Record<string, number> = {
    rddBlocks: e.rddBlocks, memoryUsed_bytes: e.memoryUsed, diskUsed_bytes: e.diskUsed, totalCores: e.totalCores, maxTasks: e.maxTasks,
    activeTasks: e.activeTasks, failedTasks_total: e.failedTasks, completedTasks_total: e.completedTasks, totalTasks_total: e.totalTasks,
    totalDuration_seconds_total: e.totalDurationMs / 1000, totalGCTime_seconds_total: e.totalGCTimeMs / 1000, totalInputBytes_bytes_total: e.totalInputBytes,
    totalShuffleRead_bytes_total: e.totalShuffleRead, totalShuffleWrite_bytes_total: e.totalShuffleWrite, maxMemory_bytes: e.maxMemory,
  };
  if (name in direct) return direct[name]!;
  const mm = e.memoryMetrics as Record<string, number> | undefined;
  const memoryKey = name.replace(/_bytes$/, '');
  if (mm && memoryKey in mm) return mm[memoryKey]!;
  const peakKey = name.replace(/_(bytes|total|seconds_total)$/, '');
  const peak = e.peakMemoryMetrics![peakKey]!;
  return name.endsWith('_seconds_total') ? peak / 1000 : peak;
}

async function text(app: SparkApp, ws = 'contoso'): Promise<string> {
  const res = await get(appUrl(emu, ws, app, 'text'));
  assert.equal(res.status, 200);
  assert.match(res.contentType, /^text\/plain/);
  return res.body;
}

test('every running application serves Spark 3.x executor text that matches the data set line by line', async () => {
  const apps = [...runningApps(emu, 'contoso'), ...runningApps(emu, 'fabrikam')];
  assert.ok(apps.length >= 6);
  let withInfo = 0;
  let withoutPeak = 0;
  for (const app of apps) {
    const ws = runningApps(emu, 'contoso').includes(app) ? 'contoso' : 'fabrikam';
    const body = await text(app, ws);
    assert.ok(body.endsWith('\n'));
    const lines = body.slice(0, -1).split('\n');
    assert.ok(!lines.some((l) => l.startsWith('#')), 'no TYPE or HELP lines');
    if (app.sparkInfo) {
      withInfo += 1;
      assert.match(lines.shift()!, new RegExp(`^spark_info\\{version="${emu.data.sparkVersion.replace(/\./g, '\\.')}", revision="[0-9a-f]+"\\} 1\\.0$`));
    }
    const expected = app.executors.flatMap((e) => expectedNames(e).map((name) => ({ e, name })));
    assert.equal(lines.length, expected.length);
    lines.forEach((line, i) => {
      const m = SAMPLE_LINE.exec(line);
      assert.ok(m, `line ${i}: ${line}`);
      const { e, name } = expected[i]!;
      assert.deepEqual([m[1], m[2], m[3], m[4]], [name, app.appId, app.sparkAppName, e.id]);
      const want = expectedValue(e, name);
      if (name.includes('_seconds_total')) assert.ok(Math.abs(Number(m[5]) - want) <= 1e-9 * Math.max(1, want), `${line} vs ${want}`);
      else assert.equal(m[5], String(want), line);
    });
    if (app.executors.some((e) => !e.peakMemoryMetrics)) withoutPeak += 1;
    for (const e of app.executors.filter((x) => x.memoryMetrics && x.peakMemoryMetrics)) {
      assert.equal(lines.filter((l) => l.endsWith(`executor_id="${e.id}"} ${l.split(' ').at(-1)}`)).length, 39, '39 series per fully reported executor');
    }
  }
  assert.ok(withInfo > 0 && withInfo < apps.length, 'some applications start with spark_info, some do not');
  assert.ok(withoutPeak > 0, 'some driver has no peakMemoryMetrics');
});

test('millisecond fields are printed in seconds the way Scala prints a Double', async () => {
  const app = runningApps(emu, 'contoso')[0]!;
  const e = app.executors.find((x) => x.id === '1')!;
  const cases: Array<[number, string]> = [[12_345_678_900, '1.23456789E7'], [123, '0.123'], [0, '0.0'], [5000, '5.0'], [1, '0.001'], [20_000_000_000, '2.0E7']];
  for (const [ms, expected] of cases) {
    e.totalDurationMs = ms;
    const line = (await text(app)).split('\n').find((l) => l.startsWith('metrics_executor_totalDuration_seconds_total') && l.includes('executor_id="1"'))!;
    assert.equal(line.split(' ').at(-1), expected, `${ms} ms`);
  }
});

test("the real Prometheus text parser (promtool) reads the output, knowing every metric only by name", async () => {
    const app = runningApps(emu, 'fabrikam')[0]!;
    const body = await text(app, 'fabrikam');
    const run = spawnSync('/usr/bin/promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
    const report = `${run.stdout}${run.stderr}`;
    assert.doesNotMatch(report, /parsing error|error while linting/);
    const linted = new Set(report.split('\n').filter((l) => l.endsWith('no help text')).map((l) => l.split(' ')[0]));
    const names = new Set(body.trim().split('\n').map((l) => l.slice(0, l.indexOf('{'))));
    assert.deepEqual(linted, names, 'promtool saw every metric (and complains only that Spark writes no HELP)');
});

test('/executors JSON carries the same numbers as the text, with ExecutorSummary fields', async () => {
  for (const app of runningApps(emu, 'contoso')) {
    const res = await get(appUrl(emu, 'contoso', app, 'executors'));
    assert.equal(res.status, 200);
    assert.match(res.contentType, /application\/json/);
    const summaries = JSON.parse(res.body) as Array<Record<string, unknown>>;
    const textLines = (await text(app)).split('\n').map((l) => SAMPLE_LINE.exec(l)).filter((m): m is RegExpExecArray => m !== null);
    const fromText = (metric: string, id: string) => Number(textLines.find((m) => m[1] === `metrics_executor_${metric}` && m[4] === id)?.[5]);
    assert.deepEqual(summaries.map((s) => s.id), app.executors.filter((e) => e.isActive).map((e) => e.id));
    for (const s of summaries) {
      const id = String(s.id);
      for (const key of ['id', 'hostPort', 'isActive', 'rddBlocks', 'memoryUsed', 'diskUsed', 'totalCores', 'maxTasks', 'activeTasks', 'failedTasks', 'completedTasks', 'totalTasks', 'totalDuration', 'totalGCTime', 'totalInputBytes', 'totalShuffleRead', 'totalShuffleWrite', 'maxMemory', 'addTime', 'executorLogs', 'attributes', 'resources', 'resourceProfileId', 'isExcluded', 'excludedInStages', 'isBlacklisted', 'blacklistedInStages']) {
        assert.ok(key in s, `${key} in ExecutorSummary`);
      }
      assert.equal(s.isActive, true);
      assert.match(String(s.addTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}GMT$/);
      assert.match(String(s.hostPort), /^[\w.-]+:\d+$/);
      assert.equal(s.memoryUsed, fromText('memoryUsed_bytes', id));
      assert.equal(s.maxMemory, fromText('maxMemory_bytes', id));
      assert.equal(s.completedTasks, fromText('completedTasks_total', id));
      assert.equal(s.totalShuffleWrite, fromText('totalShuffleWrite_bytes_total', id));
      assert.ok(Math.abs(Number(s.totalDuration) / 1000 - fromText('totalDuration_seconds_total', id)) < 1e-6);
      const peak = s.peakMemoryMetrics as Record<string, number> | undefined;
      if (peak) {
        assert.equal(peak.JVMHeapMemory, fromText('JVMHeapMemory_bytes', id));
        assert.equal(peak.MajorGCCount, fromText('MajorGCCount_total', id));
        assert.equal(peak.TotalGCTime, peak.MinorGCTime! + peak.MajorGCTime!);
      } else {
        assert.ok(Number.isNaN(fromText('JVMHeapMemory_bytes', id)), 'no peak metrics in JSON, none in text');
      }
      const mm = s.memoryMetrics as Record<string, number>;
      assert.equal(mm.usedOnHeapStorageMemory, fromText('usedOnHeapStorageMemory_bytes', id));
    }
  }
});

test('a removed executor leaves the text and /executors but stays in /allexecutors with its removal', async () => {
  const app = runningApps(emu, 'fabrikam').find((a) => a.executors.length >= 3)!;
  const before = (await text(app, 'fabrikam')).split('\n').filter((l) => l.includes('executor_id="2"')).length;
  assert.ok(before >= 19);
  emu.removeExecutor('fabrikam', app.appId!, '2');
  assert.equal((await text(app, 'fabrikam')).split('\n').filter((l) => l.includes('executor_id="2"')).length, 0);
  const active = JSON.parse((await get(appUrl(emu, 'fabrikam', app, 'executors'))).body) as Array<{ id: string }>;
  assert.ok(!active.some((e) => e.id === '2'));
  const all = JSON.parse((await get(appUrl(emu, 'fabrikam', app, 'allexecutors'))).body) as Array<{ id: string; isActive: boolean; removeTime?: string; removeReason?: string }>;
  const removed = all.find((e) => e.id === '2')!;
  assert.equal(removed.isActive, false);
  assert.match(removed.removeTime ?? '', /GMT$/);
  assert.ok(removed.removeReason);
  assert.equal(all.length, app.executors.length);
});

test('an ended or unknown application answers 404 on both endpoints', async () => {
  const app = runningApps(emu, 'fabrikam').at(-1)!;
  assert.equal((await get(appUrl(emu, 'fabrikam', app, 'text'))).status, 200);
  emu.endApplication('fabrikam', app.appId!, 'Cancelled');
  assert.equal((await get(appUrl(emu, 'fabrikam', app, 'text'))).status, 404);
  assert.equal((await get(appUrl(emu, 'fabrikam', app, 'executors'))).status, 404);
  const other = runningApps(emu, 'contoso')[0]!;
  assert.equal((await get(appUrl(emu, 'contoso', { ...other, appId: 'application_0_9999' }, 'text'))).status, 404);
  assert.equal((await get(appUrl(emu, 'contoso', { ...other, livyId: '777' }, 'text'))).status, 404, 'the livy id must match too');
  const queued = emu.data.workspaces[0]!.apps.find((a) => a.appId === null)!;
  assert.equal((await get(appUrl(emu, 'contoso', { ...queued, appId: 'null' }, 'text'))).status, 404);
});

test('the Livy path is case-insensitive in its fixed parts, as the spec (sparkPools) and the connector (sparkpools) differ', async () => {
  const app = runningApps(emu, 'contoso')[0]!;
  const url = appUrl(emu, 'contoso', app, 'text').replace('/livyApi/', '/livyapi/').replace('/sparkpools/', '/sparkPools/');
  assert.equal((await get(url)).status, 200);
});
