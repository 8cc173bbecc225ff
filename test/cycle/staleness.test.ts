import { test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import assert from 'node:assert/strict';
import { StalenessTracker } from '../../lib/staleness';
import { MemoryStateStore } from '../../lib/state/store';
import type { Series } from '../../lib/series';

const s = (name: string, extra: Record<string, string> = {}, ts = 1000): Series => ({ labels: { __name__: name, ...extra }, samples: [{ value: 1, timestampMs: ts }] });

test('emits stale markers only for series that disappeared since the previous run of the same target', async () => {
  const state = new MemoryStateStore();
  const tracker = new StalenessTracker(state);
  assert.deepEqual((await tracker.update('synapse', 'ws1', [s('a'), s('b', { executor_id: '1' }), s('c', { v: 'x\ny"' })], 1000)).markers, []);
  const { markers } = await tracker.update('synapse', 'ws1', [s('a', {}, 2000)], 2000);
  assert.equal(markers.length, 2);
  const byName = Object.fromEntries(markers.map((m) => [m.labels.__name__, m]));
  assert.deepEqual(byName.b?.labels, { __name__: 'b', executor_id: '1' });
  assert.deepEqual(byName.c?.labels, { __name__: 'c', v: 'x\ny"' }, 'label values with newlines and quotes survive the state round trip');
  for (const m of markers) assert.deepEqual(m.samples, [{ value: 0, timestampMs: 2000, stale: true }]);
  // Markers are sent once: the next run has nothing to mark.
  assert.deepEqual((await tracker.update('synapse', 'ws1', [s('a', {}, 3000)], 3000)).markers, []);
});

test('targets are tracked separately and a label-order change is not a new series', async () => {
  const tracker = new StalenessTracker(new MemoryStateStore());
  await tracker.update('databricks', 'h1', [s('a', { x: '1', y: '2' })], 1);
  await tracker.update('databricks', 'h2', [s('z')], 1);
  const again = await tracker.update('databricks', 'h1', [{ labels: { y: '2', __name__: 'a', x: '1' }, samples: [{ value: 2, timestampMs: 2 }] }], 2);
  assert.deepEqual(again.markers, []);
});

test('a corrupt stored set starts afresh instead of failing the cycle', async () => {
  const state = new MemoryStateStore();
  await state.put('series-sets/synapse/ws', { v: 1, gz: 'not base64 gzip' });
  const tracker = new StalenessTracker(state);
  assert.deepEqual((await tracker.update('synapse', 'ws', [s('a')], 1)).markers, []);
  assert.equal((await tracker.update('synapse', 'ws', [], 2)).markers.length, 1);
});

test('a label set repeated by a source is merged into one series, not sent twice', async () => {
  const tracker = new StalenessTracker(new MemoryStateStore());
  const { series } = await tracker.update('databricks', 'h', [s('a', { x: '1' }, 20), s('b'), { labels: { x: '1', __name__: 'a' }, samples: [{ value: 5, timestampMs: 10 }] }], 20);
  assert.equal(series.length, 2);
  assert.deepEqual(series[0]?.samples.map((x) => x.timestampMs), [10, 20]);
});

test('a session in parts: consecutive entities that differ in one value or one label, merges, repeats across parts and stale-only series', async () => {
  const state = new MemoryStateStore();
  const tracker = new StalenessTracker(state);
  const stale = (name: string, extra: Record<string, string>, ts: number): Series => ({ labels: { __name__: name, ...extra }, samples: [{ value: 0, timestampMs: ts, stale: true }] });
  const first = await tracker.begin('synapse', 'ws');
  const partA = first.add([
    s('m1', { e: '1', j: 'x' }),
    s('m2', { e: '1', j: 'x' }),
    s('m1', { e: '2', j: 'x' }), // one value differs from the series before
    s('m1', { e: '2', j: 'x', k: 'extra' }), // one label more
    s('m1', { e: '2' }), // one label fewer
    stale('m3', { e: '1', j: 'x' }, 1000), // only a stale marker: not part of the set...
    { labels: { j: 'x', e: '1', __name__: 'm2' }, samples: [{ value: 2, timestampMs: 900 }] }, // ...a repeat, merged
  ]);
  assert.deepEqual(partA.map((x) => `${x.labels.__name__}/${x.labels.e}/${x.labels.k ?? ''}/${x.labels.j ?? ''}`), ['m1/1//x', 'm2/1//x', 'm1/2//x', 'm1/2/extra/x', 'm1/2//', 'm3/1//x']);
  assert.deepEqual(partA[1]!.samples.map((x) => x.timestampMs), [900, 1000]);
  const partB = first.add([
    s('m1', { e: '1', j: 'x' }, 2000), // seen in the earlier part: left out
    s('m3', { e: '1', j: 'x' }, 2000), // stale-only in part A: a repeat all the same
    s('m4', { e: '1', j: 'x' }, 2000),
    { labels: { __name__: 'm4', e: '1', j: 'x' }, samples: [{ value: 0, timestampMs: 2000, stale: true }] }, // merged into a live one
  ]);
  assert.deepEqual(partB.map((x) => x.labels.__name__), ['m4']);
  assert.equal(partB[0]!.samples.length, 2, 'the repeat is merged, not dropped');
  assert.equal(first.repeatsDropped, 2);
  assert.deepEqual(await first.finish(3000), []);
  // Next run: only m1/e=1 stays; every other live series of the set gets a marker, the stale-only m3 none.
  const next = await tracker.begin('synapse', 'ws');
  next.add([s('m1', { e: '1', j: 'x' }, 4000)]);
  const markers = (await next.finish(4000)).map((m) => `${m.labels.__name__}/${m.labels.e}/${m.labels.k ?? ''}/${m.labels.j ?? ''}`).sort();
  assert.deepEqual(markers, ['m1/2//', 'm1/2//x', 'm1/2/extra/x', 'm2/1//x', 'm4/1//x']);
});

const key = (m: Series) => `${m.labels.__name__}/${m.labels.e ?? ''}`;

test('a set written by another run between begin() and finish() gives markers against that newer set', async () => {
  const state = new MemoryStateStore();
  const tracker = new StalenessTracker(state);
  await tracker.update('synapse', 'ws', [s('old', { e: '1' }), s('kept', { e: '1' })], 1000);
  const session = await tracker.begin('synapse', 'ws');
  session.add([s('kept', { e: '1' }, 3000)]);
  // Let the early read of the set (begin()) complete, then another run of the target writes a newer set.
  await new Promise((resolve) => setTimeout(resolve, 20));
  await new StalenessTracker(state).update('synapse', 'ws', [s('kept', { e: '1' }, 2000), s('newer', { e: '2' }, 2000)], 2000);
  const markers = await session.finish(3000);
  assert.deepEqual(markers.map(key), ['newer/2'], 'markers for what the newer set holds, none for the older set that was read first');
  // And this run's set is what is stored now: the next run marks `kept` only.
  assert.deepEqual((await tracker.update('synapse', 'ws', [], 4000)).markers.map(key), ['kept/1']);
});

test('a v3 set written by an earlier version still gives its stale markers', async () => {
  const state = new MemoryStateStore();
  // v3 as the previous encoder wrote it: the name table, then one group per entity (ids into the table).
  const text = ['m1\u0002m2\u0002m3', 'e\u00001\u0001\u00030,1', 'e\u00002\u0001j\u0000x\u0001\u00032', '\u00030'].join('\u0004');
  await state.put('series-sets/synapse/ws', { v: 3, gz: gzipSync(Buffer.from(text, 'utf8')).toString('base64') });
  const { markers } = await new StalenessTracker(state).update('synapse', 'ws', [s('m2', { e: '1' }, 5000)], 5000);
  assert.deepEqual(markers.map((m) => m.labels).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))), [
    { __name__: 'm1' },
    { __name__: 'm1', e: '1' },
    { __name__: 'm3', e: '2', j: 'x' },
  ]);
});

test('an entity given names in several parts is stored (v4) and read back with every name', async () => {
  const state = new MemoryStateStore();
  const tracker = new StalenessTracker(state);
  const first = await tracker.begin('synapse', 'ws');
  first.add([s('a', { e: '1' }), s('b', { e: '2' })]);
  first.add([s('c', { e: '1' }), s('d', { e: '3' })]); // e=1 again, with a new name
  await first.finish(1000);
  const stored = (await state.get('series-sets/synapse/ws')) as { v: number };
  assert.equal(stored.v, 4, 'e=1 has two groups');
  const { markers } = await tracker.update('synapse', 'ws', [s('b', { e: '2' }, 2000)], 2000);
  assert.deepEqual(markers.map(key).sort(), ['a/1', 'c/1', 'd/3']);
});

test('a set whose entities all came in one part is stored as v3, readable by the previous version', async () => {
  const state = new MemoryStateStore();
  await new StalenessTracker(state).update('synapse', 'ws', [s('a', { e: '1' }), s('b', { e: '1' }), s('a', { e: '2' })], 1000);
  const stored = (await state.get('series-sets/synapse/ws')) as { v: number; gz: string };
  assert.equal(stored.v, 3);
  // Read as the previous decoder did: the name table first, then `entity \u0003 ids` groups.
  const [names, ...groups] = gunzipSync(Buffer.from(stored.gz, 'base64')).toString('utf8').split('\u0004');
  const table = names!.split('\u0002');
  const read = groups.map((g) => `${g.slice(0, g.lastIndexOf('\u0003'))}:${g.slice(g.lastIndexOf('\u0003') + 1).split(',').map((i) => table[Number(i)]).join('+')}`);
  assert.deepEqual(read, ['e\u00001\u0001:a+b', 'e\u00002\u0001:a']);
});

test('a stored set that cannot be read early (state error) is read again at finish()', async () => {
  const state = new MemoryStateStore();
  await new StalenessTracker(state).update('synapse', 'ws', [s('a', { e: '1' }), s('b', { e: '1' })], 1000);
  let failGet = true;
  const flaky: typeof state = Object.assign(Object.create(state) as typeof state, {
    get: async (k: string) => {
      if (failGet) throw new Error('transient');
      return state.get(k);
    },
  });
  const session = await new StalenessTracker(flaky).begin('synapse', 'ws');
  failGet = false;
  session.add([s('a', { e: '1' }, 2000)]);
  assert.deepEqual((await session.finish(2000)).map(key), ['b/1']);
});

test('names confirmed live as parts end (the previous set read before the first part) give the same markers', async () => {
  const state = new MemoryStateStore();
  const tracker = new StalenessTracker(state);
  const previous = [s('a', { e: '1' }), s('b', { e: '1' }), s('c', { e: '2' }), s('d', { e: '3' })];
  const run = async (parts: Series[][], nowMs: number) => {
    await tracker.update('synapse', 'ws', previous, nowMs - 1);
    const session = await tracker.begin('synapse', 'ws');
    await new Promise((resolve) => setTimeout(resolve, 20)); // the early read is in before the first part
    for (const part of parts) session.add(part);
    return (await session.finish(nowMs)).map(key).sort();
  };
  // e=1 is only half live after the first part, whole after the second; e=3 never comes back.
  assert.deepEqual(await run([[s('a', { e: '1' }), s('c', { e: '2' })], [s('b', { e: '1' })]], 2000), ['d/3']);
  // b never comes back: e=1's group stays unconfirmed and is looked at in finish().
  assert.deepEqual(await run([[s('a', { e: '1' }), s('c', { e: '2' })], [s('x', { e: '1' })]], 3000), ['b/1', 'd/3']);
  // A stale-only series does not confirm its name.
  const staleB: Series = { labels: { __name__: 'b', e: '1' }, samples: [{ value: 0, timestampMs: 4000, stale: true }] };
  assert.deepEqual(await run([[s('a', { e: '1' }), staleB, s('c', { e: '2' }), s('d', { e: '3' })]], 4000), ['b/1']);
});
