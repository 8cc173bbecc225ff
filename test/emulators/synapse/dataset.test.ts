import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinSynapseDataset, syntheticLoadDataset } from '../../../lib/emulators/synapse';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);

test('the built-in data set is deterministic for a clock and seed, and differs for another seed', () => {
  assert.deepEqual(builtinSynapseDataset(NOW), builtinSynapseDataset(NOW));
  assert.deepEqual(builtinSynapseDataset(NOW, 3), builtinSynapseDataset(NOW, 3));
  assert.notDeepEqual(builtinSynapseDataset(NOW, 3), builtinSynapseDataset(NOW, 4));
});

test('the built-in data set has what the Synapse source must cope with', () => {
  const data = builtinSynapseDataset(NOW);
  assert.equal(data.workspaces.length, 2);
  const all = data.workspaces.flatMap((w) => w.apps);
  assert.ok(all.length >= 24, 'dozens of applications');
  for (const ws of data.workspaces) {
    const pools = new Set(ws.apps.map((a) => a.pool).filter((p) => !p.startsWith('systemreservedpool-')));
    assert.ok(pools.size >= 2, `${ws.name} has several pools`);
    const keys = ws.apps.map((a) => `${a.pool}/${a.livyId}`);
    assert.equal(new Set(keys).size, keys.length, '(pool, livyId) is unique within a workspace');
    assert.ok(ws.apps.filter((a) => a.livyId === '0').length >= 2, 'livy id "0" on several pools');
  }
  const ids = all.map((a) => a.appId).filter((id): id is string => id !== null);
  assert.equal(new Set(ids).size, ids.length);
  assert.ok(ids.every((id) => /^application_\d{13}_\d{4}$/.test(id)));
  const running = all.filter((a) => a.state === 'InProgress' && !a.pool.startsWith('systemreservedpool-'));
  assert.ok(running.some((a) => a.jobType === 'Spark session') && running.some((a) => a.jobType === 'Batch job'));
  for (const app of running) {
    const executors = app.executors.filter((e) => e.id !== 'driver');
    assert.equal(app.executors.filter((e) => e.id === 'driver').length, 1);
    assert.ok(executors.length >= 2 && executors.length <= 8, `${app.appId}: ${executors.length} executors`);
    assert.ok(app.startTimeMs !== undefined && app.startTimeMs <= NOW && app.endTimeMs === undefined);
  }
  const queued = all.filter((a) => a.appId === null);
  assert.ok(queued.length > 0 && queued.every((a) => a.executors.length === 0 && a.endTimeMs === undefined));
  const ended = all.filter((a) => a.endTimeMs !== undefined);
  assert.ok(ended.some((a) => NOW - a.endTimeMs! <= 5 * 60_000), 'some ended in the last few minutes');
  assert.ok(ended.every((a) => ['Succeeded', 'Failure', 'Cancelled'].includes(a.state) && a.executors.length === 0));
  const debug = all.filter((a) => a.pool === 'systemreservedpool-dataflow');
  assert.equal(debug.length, 1);
  assert.match(debug[0]!.name, /^Dataflow_debug_/);
});

test('the load data set has the requested applications and executors in one workspace', () => {
  const data = syntheticLoadDataset({ apps: 200, executorsPerApp: 20, nowMs: NOW });
  assert.equal(data.workspaces.length, 1);
  const apps = data.workspaces[0]!.apps;
  assert.equal(apps.length, 200);
  assert.ok(apps.every((a) => a.executors.length === 20 && a.state === 'InProgress' && a.appId !== null));
  assert.equal(new Set(apps.map((a) => a.appId)).size, 200);
  assert.deepEqual(syntheticLoadDataset({ apps: 3, executorsPerApp: 2, nowMs: NOW }), syntheticLoadDataset({ apps: 3, executorsPerApp: 2, nowMs: NOW }));
});
