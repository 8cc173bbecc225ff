import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBackend, VersionedStateStore, type StateBackend } from '../../lib/state/store';

/** MemoryBackend, counting the reads that reach it. */
function counted(backend: StateBackend): StateBackend & { reads: number } {
  const c = Object.assign(Object.create(backend) as StateBackend, { reads: 0 });
  c.read = async (key: string) => {
    c.reads++;
    return backend.read(key);
  };
  return c;
}

test('get() then update() of one key reads it once; update() merges on what get() read', async () => {
  const backend = counted(new MemoryBackend());
  const store = new VersionedStateStore(backend);
  await store.put('k', { n: 1 });
  const readsAfterPut = backend.reads;
  assert.deepEqual(await store.get('k'), { n: 1 });
  const result = await store.update('k', (current) => {
    const n = (current as { n: number }).n + 1;
    return { value: { n }, result: n };
  });
  assert.equal(result, 2);
  assert.equal(backend.reads - readsAfterPut, 1, 'the get, and no second read for the update');
  assert.deepEqual(await new VersionedStateStore(backend).get('k'), { n: 2 });
});

test('an update on a value another store changed meanwhile loses the race, re-reads, and merges on the newer value', async () => {
  const backend = counted(new MemoryBackend());
  const a = new VersionedStateStore(backend);
  const b = new VersionedStateStore(backend);
  await a.put('k', { n: 1 });
  assert.deepEqual(await a.get('k'), { n: 1 });
  await b.update('k', (current) => ({ value: { n: (current as { n: number }).n + 10 }, result: undefined })); // 11
  const seen: number[] = [];
  await a.update('k', (current) => {
    seen.push((current as { n: number }).n);
    return { value: { n: (current as { n: number }).n + 1 }, result: undefined };
  });
  assert.deepEqual(seen, [1, 11], 'first on what a knew, then on the newer value');
  assert.deepEqual(await b.get('k'), { n: 12 }, 'no increment lost');
});

test('the value update() is given is a fresh object: changing it does not change what the store knows', async () => {
  const store = new VersionedStateStore(new MemoryBackend());
  await store.put('k', { list: [1] });
  await store.update('k', (current) => {
    (current as { list: number[] }).list.push(99); // mutated, then not stored
    return { value: { list: [2] }, result: undefined };
  });
  await store.update('k', (current) => {
    assert.deepEqual(current, { list: [2] });
    return { value: current, result: undefined };
  });
});
