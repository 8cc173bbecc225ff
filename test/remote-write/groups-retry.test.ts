import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RemoteWriteConfig } from '../../lib/remote-write/config';
import { DropCounter, SeriesPreparer, reasonOversize, reasonTooOld } from '../../lib/remote-write/labels';
import { createRemoteWriter, LaneHasher, type RemoteWriterDeps, type WriteResult } from '../../lib/remote-write/sender';
import { memoryLogger } from '../../lib/log';
import { expandGroup, type Labels, type Series, type SeriesGroup } from '../../lib/series';
import { strictReceiverForSuite } from '../support/strict-receiver';

const rx = strictReceiverForSuite();

function cfg(over: Partial<RemoteWriteConfig> = {}): RemoteWriteConfig {
  return {
    url: new URL(rx.url), auth: { kind: 'none' }, maxSamplesPerRequest: 50, maxBytesPerRequest: 1_000_000, timeoutMs: 2000,
    maxRetryMs: 10 * 60_000, maxSampleAgeMs: 15 * 60_000, minBackoffMs: 10, maxBackoffMs: 50, headers: {}, sendMetadata: false, ...over,
  };
}

/** A clock that moves only when the writer waits: `step` ms per wait. */
function clocked(step: number, extra: Partial<RemoteWriterDeps> = {}) {
  let clock = Date.now();
  const waits: number[] = [];
  const deps: RemoteWriterDeps = {
    log: memoryLogger(),
    now: () => clock,
    sleep: async (ms: number) => {
      waits.push(ms);
      clock += step;
    },
    random: () => 0.5,
    ...extra,
  };
  return { deps, waits, start: clock };
}

function executors(count: number, names: number, ts: number, tag = 'x'): SeriesGroup[] {
  return Array.from({ length: count }, (_, e) => ({
    labels: { job: 'synapse', instance: 'ws1', tag, executor_id: String(e) },
    names: Array.from({ length: names }, (_, i) => `retry_metric_${i}`),
    values: Array.from({ length: names }, (_, i) => e * 100 + i),
    timestampMs: ts,
  }));
}

/** The strict receiver's key of a label set: `name=value` pairs in sorted order. */
function keyOf(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

/** What the receiver should have accepted for these series, as it records it. */
function acceptedOf(series: readonly Series[]): Map<string, Array<{ timestampMs: number; value: number; stale: boolean }>> {
  return new Map(series.map((s) => [keyOf(s.labels), s.samples.map((x) => ({ timestampMs: x.timestampMs, value: x.value, stale: false }))]));
}

const dropped = (r: WriteResult) => Object.values(r.samplesDropped).reduce((a, b) => a + b, 0);

test('groups decode with an independent (protobufjs) decoder, strictly valid, in full requests of the cap', async () => {
  const t = Date.now() - 30_000;
  const groups = executors(20, 13, t); // 260 members
  const plain: Series[] = [{ labels: { __name__: 'retry_plain', job: 'j' }, samples: [{ value: 1, timestampMs: t - 1 }, { value: 2, timestampMs: t }] }];
  const r = await createRemoteWriter(cfg(), clocked(0).deps).write(plain, [], undefined, groups);
  assert.equal(r.samplesSent, 262);
  for (const q of rx.requests) assert.deepEqual(q.violations, []);
  const sizes = rx.requests.map((q) => q.decoded!.timeseries.reduce((n, s) => n + s.samples.length, 0));
  assert.deepEqual(sizes, [50, 50, 50, 50, 50, 12], 'groups are cut at request boundaries: every request full but the last');
  assert.deepEqual(rx.accepted, acceptedOf([...plain, ...groups.flatMap((g) => expandGroup(g))]));
  // Order within the write: the plain series first, then each group's members in their order.
  const order = rx.requests.flatMap((q) => q.decoded!.timeseries.map((s) => keyOf(Object.fromEntries(s.labels.map((l) => [l.name, l.value])))));
  assert.deepEqual(order, [...plain, ...groups.flatMap((g) => expandGroup(g))].map((s) => keyOf(s.labels)));
});

test('a 503 on a batch of groups is retried and every member is accepted exactly once', async () => {
  rx.script.push({ status: 503, body: 'busy' });
  const groups = executors(3, 10, Date.now() - 10_000);
  const r = await createRemoteWriter(cfg(), clocked(0).deps).write([], [], undefined, groups);
  assert.equal(r.samplesSent, 30);
  assert.equal(r.samplesRetried, 30);
  assert.equal(r.samplesFailed, 0);
  assert.equal(rx.requests.length, 2);
  assert.deepEqual(rx.accepted, acceptedOf(groups.flatMap((g) => expandGroup(g))));
});

test('members that became too old while a batch was retried are dropped too_old, by group; the fresh ones are re-sent', async () => {
  const c = clocked(60_000); // each wait moves the clock a minute
  const old = executors(2, 6, c.start - 15 * 60_000 + 30_000, 'old'); // fresh at the first attempt, too old a minute later
  const fresh = executors(2, 7, c.start - 60_000, 'fresh');
  rx.script.push({ status: 503 });
  const r = await createRemoteWriter(cfg(), c.deps).write([], [], undefined, [old[0]!, fresh[0]!, old[1]!, fresh[1]!]);
  assert.equal(rx.requests.length, 2);
  assert.equal(rx.requests[0]!.decoded!.timeseries.length, 26, 'the first attempt carried everything');
  assert.equal(r.samplesSent, 14);
  assert.equal(r.samplesRetried, 14, 'only the fresh members were re-sent');
  assert.deepEqual(r.samplesDropped, { [reasonTooOld]: 12 });
  assert.deepEqual(r.seriesDropped, { [reasonTooOld]: 12 });
  assert.equal(r.samplesSent + r.samplesFailed + dropped(r), 26);
  assert.deepEqual(rx.accepted, acceptedOf(fresh.flatMap((g) => expandGroup(g))));
});

test('413 on a lone group splits it between members until each fits; a lone member still refused is dropped oversize', async () => {
  const groups = executors(1, 8, Date.now() - 5_000);
  // Refuse every request with more than 2 series: 8 → 4 + 4 → 2 + 2 + 2 + 2.
  rx.decide = (q) => (q.decoded!.timeseries.length > 2 ? { status: 413, body: 'too large' } : { status: 204 });
  const r = await createRemoteWriter(cfg(), clocked(0).deps).write([], [], undefined, groups);
  assert.equal(r.samplesSent, 8);
  assert.equal(dropped(r), 0);
  assert.deepEqual(rx.requests.map((q) => q.decoded!.timeseries.length), [8, 4, 2, 2, 4, 2, 2]);
  assert.deepEqual(rx.accepted, acceptedOf(expandGroup(groups[0]!)));

  rx.requests.length = 0;
  rx.accepted.clear();
  rx.decide = (q) => (q.decoded!.timeseries.some((s) => s.labels.some((l) => l.value === 'retry_metric_2')) ? { status: 413 } : { status: 204 });
  const two = executors(1, 4, Date.now() - 5_000)[0]!;
  const again = await createRemoteWriter(cfg(), clocked(0).deps).write([], [], undefined, [two]);
  assert.equal(again.samplesSent, 3);
  assert.deepEqual(again.samplesDropped, { [reasonOversize]: 1 });
  assert.deepEqual(again.seriesDropped, { [reasonOversize]: 1 });
  assert.deepEqual([...rx.accepted.keys()].map((k) => k.split(',')[0]).sort(), ['__name__=retry_metric_0', '__name__=retry_metric_1', '__name__=retry_metric_3']);
});

test('a 400 on a batch of groups counts every member failed once and keeps none for the next run', async () => {
  rx.script.push({ status: 400, body: 'bad' });
  const groups = executors(2, 5, Date.now() - 5_000);
  const r = await createRemoteWriter(cfg(), clocked(0).deps).write([], [], undefined, groups);
  assert.equal(r.samplesFailed, 10);
  assert.equal(r.samplesSent, 0);
  assert.deepEqual(r.undelivered, []);
  assert.equal(rx.requests.length, 1);
});

test("LaneHasher: a group goes to the lane each of its members would go to alone", () => {
  const preparer = new SeriesPreparer(new DropCounter());
  for (const lanes of [2, 3, 4, 8]) {
    const hasher = new LaneHasher(lanes);
    const seen = new Set<number>();
    for (const g of executors(64, 3, 1000)) {
      const part = preparer.prepareGroup(g)!;
      const lane = hasher.laneOf(part);
      seen.add(lane);
      for (const member of expandGroup(g)) assert.equal(new LaneHasher(lanes).laneOf(preparer.prepare(member)!), lane, `${lanes} lanes, executor ${g.labels.executor_id}`);
    }
    assert.equal(seen.size, lanes, `64 executors spread over all ${lanes} lanes`);
  }
});

test('with lanes, groups are cut at each lane\'s request boundary: at most one request per lane is not full', async () => {
  const t = Date.now() - 20_000;
  const groups = executors(40, 17, t); // 680 members
  const lanes = 4;
  const r = await createRemoteWriter(cfg(), clocked(0, { lanes }).deps).write([], [], undefined, groups);
  assert.equal(r.samplesSent, 680);
  for (const q of rx.requests) assert.deepEqual(q.violations, []);
  const sizes = rx.requests.map((q) => q.decoded!.timeseries.length);
  assert.ok(sizes.every((n) => n <= 50), sizes.join(','));
  assert.ok(sizes.filter((n) => n < 50).length <= lanes, `requests not full: ${sizes.join(',')}`);
  assert.deepEqual(rx.accepted, acceptedOf(groups.flatMap((g) => expandGroup(g))));
  // Each executor's members went through one lane, so they arrive in their order.
  for (const g of groups) {
    const want = expandGroup(g).map((s) => keyOf(s.labels));
    const got = rx.requests.flatMap((q) => q.decoded!.timeseries.map((s) => keyOf(Object.fromEntries(s.labels.map((l) => [l.name, l.value]))))).filter((k) => want.includes(k));
    assert.deepEqual(got, want);
  }
});

test('one group several requests long is cut into full requests, with lanes too', async () => {
  for (const lanes of [1, 3]) {
    rx.requests.length = 0;
    rx.accepted.clear();
    const [big] = executors(1, 137, Date.now() - 5_000, `big${lanes}`);
    const r = await createRemoteWriter(cfg(), clocked(0, { lanes }).deps).write([], [], undefined, [big!]);
    assert.equal(r.samplesSent, 137);
    assert.deepEqual(rx.requests.map((q) => q.decoded!.timeseries.length), [50, 50, 37], `${lanes} lanes`);
    assert.deepEqual(rx.accepted, acceptedOf(expandGroup(big!)));
  }
});
