import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryLogger } from '../../lib/log';
import { openStateStore } from '../../lib/state/open';
import type { TokenCredential } from '@azure/identity';

const noCredential: TokenCredential = { getToken: async () => { throw new Error('no token in this test'); } };

async function withDir(fn: (spec: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'lakepulse-filestate-'));
  try {
    await fn(`file:${dir}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
const open = (spec: string, log = memoryLogger()) => openStateStore(spec, { env: {}, credential: noCredential, log });

test('file store: a lost race re-reads and logs; concurrent updates lose no increment', () =>
  withDir(async (spec) => {
    const log = memoryLogger();
    const a = open(spec, log);
    const b = open(spec);
    await a.put('health/totals', 1);
    await b.get('health/totals');
    await b.put('health/totals', 2);
    await a.put('health/totals', 3);
    assert.ok(log.lines.some((l) => l.message.includes('written concurrently')));
    assert.equal(await open(spec).get('health/totals'), 3);
    const stores = [open(spec), open(spec)];
    await Promise.all(Array.from({ length: 20 }, (_, i) => stores[i % 2]!.update('n', (v) => ({ value: (typeof v === 'number' ? v : 0) + 1, result: undefined }))));
    assert.equal(await open(spec).get('n'), 20);
  }));

test('file store: corrupt files reset their key only; keys list by prefix; the lease is a lock file', () =>
  withDir(async (spec) => {
    const dir = spec.slice(5);
    await mkdir(join(dir, 'synapse', 'ws'), { recursive: true });
    await writeFile(join(dir, 'synapse', 'ws', 'discovery.json'), '\u0000garbage');
    const log = memoryLogger();
    const store = open(spec, log);
    assert.equal(await store.get('synapse/ws/discovery'), undefined);
    assert.equal(log.lines.filter((l) => l.message.includes('unreadable')).length, 1);
    await store.put('synapse/ws/discovery', { discoveries: 1 });
    assert.deepEqual(await open(spec).get('synapse/ws/discovery'), { discoveries: 1 });
    await store.put('spool/all/b', []);
    await store.put('spool/all/a', []);
    assert.deepEqual(await store.list('spool/all/'), ['spool/all/a', 'spool/all/b']);
    const lease = await store.lease('leases/run-all', 60_000);
    assert.ok(lease);
    assert.equal(await open(spec).lease('leases/run-all', 60_000), undefined);
    await lease.release();
    const next = await open(spec).lease('leases/run-all', 60_000);
    assert.ok(next);
    await next.release();
  }));
