import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../lib/config';
import { createAzureCredential } from '../../../lib/azure/credential';
import { identityForSuite } from '../../support/identity';
import { startSynapseEmulator, type SparkApp, type SparkExecutor } from '../../../lib/emulators/synapse';
import { memoryLogger } from '../../../lib/log';
import { createSynapseSource } from '../../../lib/sources/synapse';
import { MemoryStateStore } from '../../../lib/state/store';

const identity = identityForSuite();

/**
 * What an executor should yield, written from Spark's PrometheusResource table (reference synapse.md §4) and the
 * two extras this source documents (isActive, addTime), computed from the emulator's data set object.
 */
function expectedExecutorSeries(e: SparkExecutor): Map<string, number> {
  const m = new Map<string, number>([
    ['spark_executor_rddBlocks', e.rddBlocks],
    ['spark_executor_memoryUsed_bytes', e.memoryUsed],
    ['spark_executor_diskUsed_bytes', e.diskUsed],
    ['spark_executor_totalCores', e.totalCores],
    ['spark_executor_maxTasks', e.maxTasks],
    ['spark_executor_activeTasks', e.activeTasks],
    ['spark_executor_failedTasks_total', e.failedTasks],
    ['spark_executor_completedTasks_total', e.completedTasks],
    ['spark_executor_totalTasks_total', e.totalTasks],
    ['spark_executor_totalDuration_seconds_total', e.totalDurationMs / 1000],
    ['spark_executor_totalGCTime_seconds_total', e.totalGCTimeMs / 1000],
    ['spark_executor_totalInputBytes_bytes_total', e.totalInputBytes],
    ['spark_executor_totalShuffleRead_bytes_total', e.totalShuffleRead],
    ['spark_executor_totalShuffleWrite_bytes_total', e.totalShuffleWrite],
    ['spark_executor_maxMemory_bytes', e.maxMemory],
    ['spark_executor_isActive', e.isActive ? 1 : 0],
    ['spark_executor_addTime_seconds', e.addTimeMs / 1000],
  ]);
  if (e.memoryMetrics) for (const [k, v] of Object.entries(e.memoryMetrics)) m.set(`spark_executor_${k}_bytes`, v);
  if (e.peakMemoryMetrics) {
    for (const [k, v] of Object.entries(e.peakMemoryMetrics)) {
      if (k === 'TotalGCTime') continue;
      if (k.endsWith('GCCount')) m.set(`spark_executor_${k}_total`, v);
      else if (k.endsWith('GCTime')) m.set(`spark_executor_${k}_seconds_total`, v / 1000);
      else m.set(`spark_executor_${k}_bytes`, v);
    }
  }
  return m;
}

function close(a: number, b: number): boolean {
  return a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

test('every executor series of every running application equals the data set, through the text and through the JSON fallback', async () => {
  const emu = await startSynapseEmulator({ identity });
  try {
    const apps: Array<{ ws: string; app: SparkApp }> = [];
    for (const w of emu.data.workspaces) {
      for (const app of w.apps) if (app.state === 'InProgress' && app.appId !== null && !app.pool.startsWith('systemreservedpool-')) apps.push({ ws: w.name, app });
    }
    assert.ok(apps.length >= 4);
    const config = loadConfig({ SYNAPSE_WORKSPACES: emu.env.SYNAPSE_WORKSPACES }, { dryRun: true });
    const source = createSynapseSource({ credential: createAzureCredential({}) });
    const state = new MemoryStateStore();
    const cycle = () => source.collect({ config, log: memoryLogger(), state, signal: new AbortController().signal, nowMs: Date.now() });
    // A first cycle through the text, then every other application answers an empty text body: its numbers must
    // come from /executors, unchanged, with Spark's application name remembered from the text.
    await cycle();
    const viaJson = new Set(apps.filter((_, i) => i % 2 === 1).map((a) => a.app.appId!));
    for (const id of viaJson) emu.faults.emptyText.add(id);
    const jsonBefore = emu.requests.byKind.executors ?? 0;
    const results = await cycle();
    // Add times are known from the first cycle: only the applications without text read /executors again.
    assert.equal((emu.requests.byKind.executors ?? 0) - jsonBefore, viaJson.size);

    for (const { ws, app } of apps) {
      const result = results.find((r) => r.target === ws)!;
      const actual = new Map<string, Map<string, number>>();
      for (const s of result.series) {
        if (s.labels.application_id !== app.appId || !s.labels.__name__!.startsWith('spark_executor_')) continue;
        assert.equal(s.labels.application_name, app.sparkAppName, 'Spark application name kept (from the text, or known from the JSON path)');
        assert.equal(s.labels.spark_pool_name, app.pool);
        assert.equal(s.labels.livy_id, app.livyId);
        assert.equal(s.labels.name, app.name);
        const perExecutor = actual.get(s.labels.executor_id!) ?? new Map<string, number>();
        assert.ok(!perExecutor.has(s.labels.__name__!), `duplicate ${s.labels.__name__} for ${app.appId}/${s.labels.executor_id}`);
        perExecutor.set(s.labels.__name__!, s.samples[0]!.value);
        actual.set(s.labels.executor_id!, perExecutor);
      }
      const active = app.executors.filter((e) => e.isActive);
      assert.deepEqual([...actual.keys()].sort(), active.map((e) => e.id).sort(), `${app.appId}: only active executors`);
      for (const e of active) {
        const want = expectedExecutorSeries(e);
        const got = actual.get(e.id)!;
        assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), `${app.appId}/${e.id} (${viaJson.has(app.appId!) ? 'json' : 'text'}) metric names`);
        for (const [name, v] of want) assert.ok(close(got.get(name)!, v), `${app.appId}/${e.id} ${name}: ${got.get(name)} != ${v}`);
      }
    }
  } finally {
    await emu.close();
  }
});
