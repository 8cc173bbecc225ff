import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinSynapseDataset, parseSynapseDataset, syntheticLoadDataset } from '../../../lib/emulators/synapse';

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

test('a data set written as JSON reads back identically, for `lakepulse emulate --synapse-data FILE`', () => {
  const data = builtinSynapseDataset(NOW);
  assert.deepEqual(parseSynapseDataset(JSON.parse(JSON.stringify(data))), data);
});

test('a hand-written data set may use ISO times, numeric livy ids and leave executor fields out', () => {
  const data = parseSynapseDataset({
    workspaces: [{ name: 'mine', apps: [{ pool: 'p', livyId: 3, appId: 'application_1_0001', name: 'job', state: 'InProgress', submitTime: '2026-11-22T11:00:00Z', startTime: '2026-11-22T11:01:00+00:00', executors: [{ id: 'driver', memoryUsed: 42 }] }] }],
  });
  const app = data.workspaces[0]!.apps[0]!;
  assert.equal(app.livyId, '3');
  assert.equal(app.submitTimeMs, Date.UTC(2026, 10, 22, 11, 0, 0));
  assert.equal(app.startTimeMs, Date.UTC(2026, 10, 22, 11, 1, 0));
  assert.equal(app.jobType, 'Batch job');
  const e = app.executors[0]!;
  assert.deepEqual([e.id, e.memoryUsed, e.maxMemory, e.isActive, e.addTimeMs], ['driver', 42, 0, true, app.startTimeMs]);
  assert.equal(e.peakMemoryMetrics, undefined);
});

test('a malformed data set is refused with the path of the bad field', () => {
  const cases: Array<[unknown, RegExp]> = [
    [[], /\(root\) must be an object/],
    [{ workspaces: {} }, /Error: workspaces must be an array/],
    [{ workspaces: [{ name: 'w', apps: [{ pool: 7 }] }] }, /workspaces\[0\]\.apps\[0\]\.pool must be a non-empty string/],
    [{ workspaces: [{ name: 'w', apps: [{ pool: 'p', livyId: '1', name: 'n', state: 'InProgress' }] }] }, /submitTimeMs \(or submitTime\) is required/],
    [{ workspaces: [{ name: 'w', apps: [{ pool: 'p', livyId: '1', name: 'n', state: 'x', submitTime: 'soon' }] }] }, /submitTime must be an ISO 8601 time/],
    [{ workspaces: [{ name: 'w', apps: [{ pool: 'p', livyId: '1', name: 'n', state: 'x', submitTimeMs: 1, executors: [{ id: '1', memoryUsed: '5' }] }] }] }, /executors\[0\]\.memoryUsed must be a finite number/],
  ];
  for (const [input, message] of cases) assert.throws(() => parseSynapseDataset(input), message);
});
