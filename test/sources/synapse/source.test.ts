import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../lib/config';
import { createAzureCredential } from '../../../lib/azure/credential';
import { identityForSuite } from '../../support/identity';
import { startSynapseEmulator, type SparkApp, type SynapseEmulator } from '../../../lib/emulators/synapse';
import { memoryLogger } from '../../../lib/log';
import type { Series } from '../../../lib/series';
import { createSynapseSource } from '../../../lib/sources/synapse';
import type { TargetResult } from '../../../lib/sources/source';
import { MemoryStateStore, type StateStore } from '../../../lib/state/store';

const identity = identityForSuite();

async function collect(emu: SynapseEmulator, state: StateStore = new MemoryStateStore(), env: Record<string, string> = {}, nowMs = Date.now()) {
  const config = loadConfig({ SYNAPSE_WORKSPACES: emu.env.SYNAPSE_WORKSPACES, ...env }, { dryRun: true });
  const log = memoryLogger();
  const source = createSynapseSource({ credential: createAzureCredential({}) });
  const results = await source.collect({ config, log, state, signal: new AbortController().signal, nowMs });
  return { results, log };
}

const byName = (r: TargetResult | undefined, name: string) => (r?.series ?? []).filter((s) => s.labels.__name__ === name);
const value = (s: Series | undefined) => s?.samples[0]?.value;

/** What the emulator's data says each running, scrapeable application should yield. */
function scrapeable(emu: SynapseEmulator, ws: string): SparkApp[] {
  return emu.data.workspaces.find((w) => w.name === ws)!.apps.filter((a) => a.state === 'InProgress' && a.appId !== null && !a.pool.startsWith('systemreservedpool-'));
}

test('every running application yields its executors with the connector names and labels', async () => {
  const emu = await startSynapseEmulator({ identity });
  try {
    const { results } = await collect(emu);
    assert.deepEqual(results.map((r) => [r.target, r.up]), [['contoso', true], ['fabrikam', true]]);
    const contoso = results[0]!;
    const apps = scrapeable(emu, 'contoso');
    const memory = byName(contoso, 'spark_executor_memoryUsed_bytes');
    assert.equal(memory.length, apps.reduce((n, a) => n + a.executors.length, 0));
    for (const app of apps) {
      for (const e of app.executors) {
        const s = memory.find((m) => m.labels.application_id === app.appId && m.labels.executor_id === e.id);
        assert.ok(s, `${app.appId}/${e.id}`);
        assert.equal(value(s), e.memoryUsed);
        assert.deepEqual(
          { ...s.labels },
          {
            __name__: 'spark_executor_memoryUsed_bytes', job: 'synapse-workspace-contoso', instance: new URL(emu.workspaces[0]!.endpoint).host,
            workspace_name: 'contoso', spark_pool_name: app.pool, livy_id: app.livyId, application_id: app.appId!, name: app.name,
            application_name: app.sparkAppName, executor_id: e.id,
          },
        );
        const duration = byName(contoso, 'spark_executor_totalDuration_seconds_total').find((m) => m.labels.application_id === app.appId && m.labels.executor_id === e.id);
        assert.ok(Math.abs(value(duration)! - e.totalDurationMs / 1000) < 1e-6);
      }
      const up = byName(contoso, 'up').find((u) => u.labels.application_id === app.appId);
      assert.equal(value(up), 1);
    }
    // 39 executor metrics per executor in Spark 3.x, plus isActive and addTime from the JSON.
    const families = new Set(contoso.series.filter((s) => s.labels.__name__!.startsWith('spark_executor_')).map((s) => s.labels.__name__));
    assert.equal(families.size, 41);
    assert.ok(byName(contoso, 'spark_info').length > 0, 'spark_info is kept under its own name');
    assert.ok(!contoso.series.some((s) => s.labels.spark_pool_name === 'systemreservedpool-dataflow' && s.labels.__name__!.startsWith('spark_')), 'Data Flow debug pools are skipped');
    const info = byName(contoso, 'synapse_connector_application_info');
    assert.equal(info.length, apps.length);
    const types = new Map((contoso.metadata ?? []).map((m) => [m.name, m.type]));
    assert.equal(types.get('spark_executor_completedTasks_total'), 'counter');
    assert.equal(types.get('spark_executor_memoryUsed_bytes'), 'gauge');
  } finally {
    await emu.close();
  }
});

test('paging covers nJobs, and the counts by state include queued applications', async () => {
  const emu = await startSynapseEmulator({ identity, pageSize: 2 });
  try {
    const { results } = await collect(emu);
    const running = emu.data.workspaces[1]!.apps.filter((a) => a.state === 'InProgress' || a.state === 'Submitting');
    const counts = byName(results[1], 'synapse_spark_applications').filter((s) => s.labels.state === 'inprogress' || s.labels.state === 'submitting');
    assert.equal(counts.reduce((n, s) => n + value(s)!, 0), running.length);
    assert.ok(emu.requests.byKind.list! > 4, 'several pages were read');
    const targets = byName(results[1], 'synapse_connector_application_discovery_target');
    assert.equal(targets.reduce((n, s) => n + value(s)!, 0), scrapeable(emu, 'fabrikam').length);
  } finally {
    await emu.close();
  }
});

test('faults mark only their own application or workspace down', async () => {
  const emu = await startSynapseEmulator({ identity });
  try {
    const apps = scrapeable(emu, 'contoso');
    const [malformed, broken, empty] = apps;
    emu.faults.malformedText.add(malformed!.appId!);
    emu.faults.status500.add(broken!.appId!);
    emu.faults.emptyText.add(empty!.appId!);
    emu.faults.unauthorized.add('fabrikam');
    const { results, log } = await collect(emu);
    const [contoso, fabrikam] = results;
    assert.equal(contoso!.up, true);
    const up = (id: string) => value(byName(contoso, 'up').find((u) => u.labels.application_id === id));
    assert.equal(up(malformed!.appId!), 0);
    assert.equal(up(broken!.appId!), 0);
    assert.equal(up(empty!.appId!), 1, 'an empty text body falls back to /executors');
    const fallback = byName(contoso, 'spark_executor_memoryUsed_bytes').filter((s) => s.labels.application_id === empty!.appId);
    assert.deepEqual(fallback.map((s) => value(s)).sort(), empty!.executors.map((e) => e.memoryUsed).sort());
    for (const other of apps.slice(3)) assert.equal(up(other.appId!), 1);
    assert.equal(fabrikam!.up, false);
    assert.match(fabrikam!.error ?? '', /401.*Synapse Compute Operator/);
    assert.ok(log.lines.some((l) => l.message === 'synapse discovery failed'));
  } finally {
    await emu.close();
  }
});

test('a discovery failure marks the workspace down; applications that ended are reported once', async () => {
  const emu = await startSynapseEmulator({ identity });
  const state = new MemoryStateStore();
  try {
    emu.faults.discoveryStatus.contoso = 500;
    const first = await collect(emu, state);
    assert.equal(first.results[0]!.up, false);
    assert.equal(value(byName(first.results[0], 'synapse_connector_application_discovery_failed_count')[0]), 1);
    delete emu.faults.discoveryStatus.contoso;
    const second = await collect(emu, state);
    const endedNow = emu.data.workspaces[0]!.apps.filter((a) => a.endTimeMs !== undefined && a.endTimeMs >= Date.now() - 11 * 60_000);
    const reports = byName(second.results[0], 'synapse_application_ended_info');
    assert.equal(reports.length, endedNow.length);
    assert.ok(endedNow.length > 0);
    const [done] = scrapeable(emu, 'contoso');
    emu.endApplication('contoso', done!.appId!, 'Failure');
    const third = await collect(emu, state);
    const again = byName(third.results[0], 'synapse_application_ended_info');
    assert.deepEqual(again.map((s) => [s.labels.application_id, s.labels.result]), [[done!.appId, 'failure']], 'only the newly ended one');
    const total = byName(third.results[0], 'synapse_application_total_duration_seconds')[0];
    assert.ok(value(total)! > 0);
    assert.equal(value(byName(third.results[0], 'synapse_connector_application_discovery_count')[0]), 3);
  } finally {
    await emu.close();
  }
});

test('requests in flight never exceed SYNAPSE_CONCURRENCY, and a slow application times out alone', async () => {
  const emu = await startSynapseEmulator({ identity, latencyMs: 5 });
  try {
    const [slow] = scrapeable(emu, 'contoso');
    emu.faults.slowMs[slow!.appId!] = 2000;
    const { results } = await collect(emu, new MemoryStateStore(), { SYNAPSE_CONCURRENCY: '3', SYNAPSE_REQUEST_TIMEOUT_MS: '300' });
    assert.ok(emu.requests.maxInFlightPerWorkspace.contoso! <= 3);
    assert.ok(emu.requests.maxInFlightPerWorkspace.contoso! >= 2);
    const up = byName(results[0], 'up');
    assert.equal(value(up.find((u) => u.labels.application_id === slow!.appId)), 0);
    assert.equal(up.filter((u) => value(u) === 1).length, scrapeable(emu, 'contoso').length - 1);
  } finally {
    await emu.close();
  }
});

test('when the cycle budget runs out no new request starts and what was collected is returned', async () => {
  const emu = await startSynapseEmulator({ identity, latencyMs: 100 });
  try {
    const t0 = Date.now();
    const { results } = await collect(emu, new MemoryStateStore(), { SYNAPSE_CONCURRENCY: '1', SYNAPSE_CYCLE_BUDGET_MS: '450' });
    assert.ok(Date.now() - t0 < 2000);
    const contoso = results[0]!;
    assert.equal(contoso.up, true, 'discovery made it within the budget');
    const ups = byName(contoso, 'up');
    assert.ok(ups.some((u) => value(u) === 0), 'applications not reached are down');
  } finally {
    await emu.close();
  }
});
