import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../lib/config';
import { runCycle } from '../../lib/cycle';
import { startLocalReceiver, type LocalReceiver } from '../../lib/emulators/receiver';
import { silentLogger } from '../../lib/log';
import { createRemoteWriter } from '../../lib/remote-write';
import { seriesKey, type Series } from '../../lib/series';
import type { CollectContext, Source, TargetResult } from '../../lib/sources/source';
import { MemoryStateStore, type StateStore } from '../../lib/state/store';
import { freePort } from '../support/ports';

let receiver: LocalReceiver;
before(async () => {
  receiver = await startLocalReceiver();
});
after(async () => {
  await receiver.close();
});

const settings = (url: string) => ({ REMOTE_WRITE_URL: url, REMOTE_WRITE_MAX_SAMPLES_PER_REQUEST: '500', REMOTE_WRITE_MAX_RETRY_MS: '200', LAKEPULSE_INSTANCE: 'stream', EXTERNAL_LABELS: 'cluster=test' });

const part = (from: number, n: number, ts: number): Series[] =>
  Array.from({ length: n }, (_, i) => ({ labels: { __name__: 'stream_test', job: 'j', instance: 'i', executor_id: String(from + i) }, samples: [{ value: from + i, timestampMs: ts }] }));

/**
 * A source that emits its executors in parts, as the Synapse source does per application; `between` runs after the
 * first part (e.g. waits until the receiver has seen a request: proof that the push runs during collection).
 */
function partedSource(parts: (nowMs: number) => Series[][], between: () => Promise<void> = async () => {}): Source {
  return {
    name: 'synapse',
    async collect(ctx: CollectContext): Promise<TargetResult[]> {
      const all = parts(ctx.nowMs);
      for (let i = 0; i < all.length; i++) {
        await ctx.emit!('ws', all[i]!);
        if (i === 0) await between();
      }
      return [{ source: 'synapse', target: 'ws', up: true, series: [{ labels: { __name__: 'stream_test_info', job: 'j', instance: 'i' }, samples: [{ value: 1, timestampMs: ctx.nowMs }] }] }];
    },
  };
}

async function cycle(source: Source, state: StateStore, nowMs: number, url = receiver.url) {
  const config = loadConfig(settings(url));
  const writer = createRemoteWriter(config.remoteWrite!, { log: silentLogger, lanes: 4 });
  return runCycle({ config, sources: [source], state, log: silentLogger, writer, now: () => nowMs });
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const received = (from: number) => receiver.series.slice(from).filter((s) => s.labels.job !== 'lakepulse');

test('emitted parts are pushed while the source is still collecting, each series once, accounted exactly', async () => {
  const before = receiver.series.length;
  const requestsBefore = receiver.requests;
  const t = Date.now() - 60_000;
  let requestsDuringCollection = 0;
  const source = partedSource(
    (now) => [part(0, 5000, now), part(5000, 2000, now)],
    async () => {
      await until(() => receiver.requests > requestsBefore, 'a request during collection');
      requestsDuringCollection = receiver.requests - requestsBefore;
    },
  );
  const report = await cycle(source, new MemoryStateStore(), t);
  assert.ok(requestsDuringCollection > 0, 'the first part reached the receiver before the source returned');
  assert.equal(report.failedSamples, 0);
  const got = received(before);
  assert.equal(got.length, 7001);
  assert.equal(new Set(got.map((s) => seriesKey(s.labels))).size, 7001, 'no series twice');
  assert.ok(got.every((s) => s.labels.cluster === 'test'), 'external labels on every part');
  assert.deepEqual(report.targets.map((x) => [x.target, x.series]), [['ws', 7001]]);
  const health = receiver.series.slice(before).length - got.length;
  assert.equal(report.series, 7001 + health);
  assert.equal(report.samples, 7001 + health);
});

test('series of an emitted part that disappears get stale markers; a label set repeated in a later part is sent once', async () => {
  const state = new MemoryStateStore();
  const t1 = Date.now() - 50_000;
  await cycle(partedSource((now) => [part(0, 3000, now), part(3000, 1000, now)]), state, t1);
  const before = receiver.series.length;
  const t2 = t1 + 10_000;
  const report = await cycle(partedSource((now) => [part(0, 3000, now), part(0, 10, now)]), state, t2);
  assert.equal(report.failedSamples, 0);
  const got = received(before);
  const markers = got.filter((s) => s.samples.every((x) => x.stale));
  assert.equal(markers.length, 1000);
  assert.deepEqual(new Set(markers.map((s) => Number(s.labels.executor_id) >= 3000)), new Set([true]));
  assert.ok(markers.every((s) => s.samples[0]!.timestampMs === t2));
  assert.equal(got.filter((s) => !s.samples[0]!.stale && s.labels.__name__ === 'stream_test').length, 3000, 'the repeat is left out');
});

test('what an unreachable receiver did not take is spooled and sent first next cycle, before newer samples of the same series', async () => {
  const state = new MemoryStateStore();
  const dead = `http://127.0.0.1:${await freePort()}/api/v1/write`;
  const t1 = Date.now() - 40_000;
  const lost = await cycle(partedSource((now) => [part(0, 4500, now), part(4500, 500, now)]), state, t1, dead);
  assert.equal(lost.failedSamples, lost.samples, 'every sample counted as not delivered');
  const before = receiver.series.length;
  const t2 = t1 + 10_000;
  const next = await cycle(partedSource((now) => [part(0, 4500, now), part(4500, 500, now)]), state, t2);
  assert.equal(next.failedSamples, 0);
  const got = received(before).filter((s) => s.labels.__name__ === 'stream_test');
  for (const id of ['0', '4999']) {
    const samples = got.filter((s) => s.labels.executor_id === id).flatMap((s) => s.samples.map((x) => x.timestampMs));
    assert.deepEqual(samples, [t1, t2], `executor ${id}: the spooled sample first, then the new one`);
  }
  assert.equal(got.length, 10_000);
});
