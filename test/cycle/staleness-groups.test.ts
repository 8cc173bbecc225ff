import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { StalenessTracker, type StalenessSession } from '../../lib/staleness';
import { MemoryStateStore } from '../../lib/state/store';
import { expandGroup, seriesKey, type Series, type SeriesGroup } from '../../lib/series';

const exec = (id: string, names: string[], values: number[] = names.map((_, i) => i + 1), ts = 1000): SeriesGroup => ({
  labels: { job: 'synapse', instance: 'ws', application_id: 'app', executor_id: id },
  names,
  values,
  timestampMs: ts,
});

const plain = (id: string, name: string, value = 1, ts = 1000): Series => ({
  labels: { __name__: name, job: 'synapse', instance: 'ws', application_id: 'app', executor_id: id },
  samples: [{ value, timestampMs: ts }],
});

/** Member name → value of what a part handed on, as `name@executor`. */
function members(groups: readonly SeriesGroup[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of groups.flatMap((g) => expandGroup(g))) {
    const key = `${s.labels.__name__}@${s.labels.executor_id}`;
    assert.equal(out[key], undefined, `${key} handed on once`);
    out[key] = s.samples[0]!.value;
  }
  return out;
}

/** Begins a session and, when `settled`, lets the early read of the previous set come in before anything is added. */
async function begin(tracker: StalenessTracker, settled: boolean): Promise<StalenessSession> {
  const session = await tracker.begin('synapse', 'ws');
  if (settled) for (let i = 0; i < 20; i++) await tick();
  return session;
}

test('addGroups: a name repeated within a part keeps the last value; one seen in an earlier part is left out and counted', async () => {
  const session = await new StalenessTracker(new MemoryStateStore()).begin('synapse', 'ws');
  const inputA = exec('1', ['a', 'b', 'a', 'c'], [1, 2, 3, 4]);
  const inputB = exec('1', ['b', 'd'], [20, 5]); // same entity, later group of the same part: b replaces the earlier b
  const inputC = exec('2', ['a'], [7]); // another entity: its own names
  const frozen = JSON.stringify([inputA, inputB, inputC]);
  const first = session.addGroups([inputA, inputB, inputC]);
  assert.deepEqual(members(first), { 'a@1': 3, 'b@1': 20, 'c@1': 4, 'd@1': 5, 'a@2': 7 });
  assert.equal(JSON.stringify([inputA, inputB, inputC]), frozen, 'the input groups are not mutated');
  assert.equal(session.repeatsDropped, 0, 'repeats within a part are merged, not dropped');
  const second = session.addGroups([exec('1', ['a', 'e'], [100, 6]), exec('2', ['a'], [70]), exec('3', ['a'], [8])]);
  assert.deepEqual(members(second), { 'e@1': 6, 'a@3': 8 });
  assert.equal(session.repeatsDropped, 2);
  // A group with nothing new is not handed on at all (not as an empty group).
  assert.deepEqual(session.addGroups([exec('2', ['a'])]), []);
  assert.equal(session.repeatsDropped, 3);
});

test('addGroups: a group without repeats comes back as the same object', async () => {
  const session = await new StalenessTracker(new MemoryStateStore()).begin('synapse', 'ws');
  const g = exec('1', ['a', 'b']);
  const [out] = session.addGroups([g]);
  assert.equal(out, g);
});

test('plain series and group members of the same entity: whichever part gave a name first wins', async () => {
  const session = await new StalenessTracker(new MemoryStateStore()).begin('synapse', 'ws');
  // Plain first, then as a group member.
  assert.equal(session.add([plain('1', 'a', 1)]).length, 1);
  assert.deepEqual(members(session.addGroups([exec('1', ['a', 'b'], [10, 2])])), { 'b@1': 2 });
  assert.equal(session.repeatsDropped, 1);
  // Group member first, then plain (the plain part is left out; a new name in it is kept).
  const back = session.add([plain('1', 'b', 30), plain('1', 'c', 3)]);
  assert.deepEqual(back.map((s) => s.labels.__name__), ['c']);
  assert.equal(session.repeatsDropped, 2);
  // The label order of the plain series does not make another entity.
  const reordered: Series = { labels: { executor_id: '1', __name__: 'a', instance: 'ws', application_id: 'app', job: 'synapse' }, samples: [{ value: 5, timestampMs: 1000 }] };
  assert.deepEqual(session.add([reordered]), []);
  assert.equal(session.repeatsDropped, 3);
  assert.deepEqual(await session.finish(2000), [], 'no previous set: no markers');
});

for (const settled of [false, true]) {
  const when = settled ? 'after the early read came in' : 'before the early read came in';
  test(`a member missing next run gets exactly one stale marker, with its labels and name (parts added ${when})`, async () => {
    const state = new MemoryStateStore();
    const tracker = new StalenessTracker(state);
    const one = await begin(tracker, settled);
    one.addGroups([exec('1', ['a', 'b', 'c']), exec('2', ['a', 'b'])]);
    one.add([plain('3', 'solo')]);
    assert.deepEqual(await one.finish(1000), []);

    const two = await begin(tracker, settled);
    two.addGroups([exec('1', ['a', 'c'], undefined, 2000), exec('2', ['b', 'a'], undefined, 2000)]);
    two.add([plain('3', 'solo', 1, 2000)]);
    const markers = await two.finish(2000);
    assert.deepEqual(markers, [
      { labels: { __name__: 'b', job: 'synapse', instance: 'ws', application_id: 'app', executor_id: '1' }, samples: [{ value: 0, timestampMs: 2000, stale: true }] },
    ]);
    assert.equal(seriesKey(markers[0]!.labels), seriesKey(plain('1', 'b').labels));

    // Gone once marked: the third run with the same set has nothing to mark.
    const three = await begin(tracker, settled);
    three.addGroups([exec('1', ['a', 'c']), exec('2', ['a', 'b'])]);
    three.add([plain('3', 'solo')]);
    assert.deepEqual(await three.finish(3000), []);
  });

  test(`an entity whose names came in two parts (groups, then plain) is tracked whole (${when})`, async () => {
    const tracker = new StalenessTracker(new MemoryStateStore());
    const one = await begin(tracker, settled);
    one.addGroups([exec('1', ['a', 'b'])]);
    one.addGroups([exec('1', ['c'])]);
    one.add([plain('1', 'd')]);
    assert.deepEqual(await one.finish(1000), []);

    const two = await begin(tracker, settled);
    two.add([plain('1', 'd')]); // the same names in other parts and another order: nothing is stale
    two.addGroups([exec('1', ['c', 'a'])]);
    two.addGroups([exec('1', ['b'])]);
    assert.deepEqual(await two.finish(2000), []);

    const three = await begin(tracker, settled);
    three.addGroups([exec('1', ['a', 'b', 'd'])]);
    const markers = await three.finish(3000);
    assert.deepEqual(markers.map((m) => [m.labels.__name__, m.labels.executor_id, m.samples]), [['c', '1', [{ value: 0, timestampMs: 3000, stale: true }]]]);

    // A whole entity gone: one marker per name it had, and no others.
    const four = await begin(tracker, settled);
    four.addGroups([exec('2', ['a'])]);
    const gone = await four.finish(4000);
    assert.deepEqual(gone.map((m) => m.labels.__name__).sort(), ['a', 'b', 'd']);
    assert.ok(gone.every((m) => m.labels.executor_id === '1' && m.labels.job === 'synapse' && m.samples[0]!.stale === true));
  });
}

test('a name dropped as a repeat in a later part is still part of the set (no marker for it next run)', async () => {
  const tracker = new StalenessTracker(new MemoryStateStore());
  const one = await tracker.begin('synapse', 'ws');
  one.addGroups([exec('1', ['a'])]);
  one.addGroups([exec('1', ['a', 'b'])]);
  assert.equal(one.repeatsDropped, 1);
  await one.finish(1000);
  const two = await tracker.begin('synapse', 'ws');
  two.addGroups([exec('1', ['b'])]);
  assert.deepEqual((await two.finish(2000)).map((m) => m.labels.__name__), ['a']);
});
