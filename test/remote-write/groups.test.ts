import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uncompress } from 'snappyjs';
import { decodeWriteRequest } from '../../lib/emulators/write-request-decoder';
import { batches, splitBatch, type Batch } from '../../lib/remote-write/batch';
import { WriteRequestEncoder } from '../../lib/remote-write/encode';
import {
  DropCounter,
  SeriesPreparer,
  prepareEach,
  reasonBadTimestamp,
  reasonInvalidLabelName,
  reasonInvalidMetricName,
  reasonLabelValueTooLong,
  reasonMissingName,
  reasonOversize,
  reasonTooManyLabels,
  type PreparedSeries,
} from '../../lib/remote-write/labels';
import { isGroup, sliceGroup, type PreparedGroup, type PreparedPart } from '../../lib/remote-write/prepared-group';
import { expandGroup, type Series, type SeriesGroup } from '../../lib/series';

const BIG_TS = Number.MAX_SAFE_INTEGER; // 2^53 - 1: the widest timestamp a prepared series may carry

function group(labels: Record<string, string>, names: string[], values: number[], timestampMs: number): SeriesGroup {
  return { labels, names, values, timestampMs };
}

/** The executor shape: every value kind the encoder treats apart. */
const executor = group(
  { job: 'synapse', instance: 'ws1', application_id: 'app-1', executor_id: '3' },
  ['spark_zero', 'spark_neg_zero', 'spark_nan', 'spark_inf', 'spark_neg_inf', 'spark_tiny', 'spark_big', 'spark_neg'],
  [0, -0, NaN, Infinity, -Infinity, 5e-324, 1.7976931348623157e308, -42.5],
  1_764_600_000_123,
);

function prepareGroupPart(g: SeriesGroup, drops = new DropCounter()): PreparedGroup {
  const p = new SeriesPreparer(drops).prepareGroup(g);
  assert.ok(p, 'the group is kept');
  return p;
}

function preparePlain(series: readonly Series[]): PreparedSeries[] {
  const drops = new DropCounter();
  const out = [...prepareEach(series, drops)];
  assert.equal(drops.totalSeries + drops.totalSamples, 0, 'plain series all kept');
  return out;
}

/** Bytes of a request from a fresh encoder (no cache shared between the two sides). */
function bytes(parts: readonly PreparedPart[]): Uint8Array {
  return new WriteRequestEncoder().encode(parts).slice();
}

function membersOf(g: SeriesGroup, from = 0, to = g.names.length): Series[] {
  return expandGroup(g).slice(from, to);
}

test('a prepared group encodes byte for byte as its members given as plain series: zeros, -0, NaN, ±Infinity', () => {
  const grouped = bytes([prepareGroupPart(executor)]);
  const plain = bytes(preparePlain(expandGroup(executor)));
  assert.deepEqual(Buffer.from(grouped), Buffer.from(plain));
  const decoded = decodeWriteRequest(grouped);
  assert.deepEqual(decoded, expandGroup(executor).map((s) => ({ labels: sortedLabels(s.labels), samples: s.samples })));
  // +0 is the proto3 default and is left out; -0 keeps its sign bit on the wire.
  assert.ok(Object.is(decoded[0]!.samples[0]!.value, 0));
  assert.ok(Object.is(decoded[1]!.samples[0]!.value, -0));
  assert.ok(Number.isNaN(decoded[2]!.samples[0]!.value));
});

test('timestamps: 0 (left out), the largest safe integer and a negative one encode as plain series do', () => {
  for (const ts of [0, 1, 127, 128, 2 ** 31, 2 ** 32 + 5, BIG_TS, -1]) {
    const g = group({ job: 'j', instance: 'i' }, ['a', 'b'], [1, 0], ts);
    const grouped = bytes([prepareGroupPart(g)]);
    assert.deepEqual(Buffer.from(grouped), Buffer.from(bytes(preparePlain(expandGroup(g)))), `timestamp ${ts}`);
    if (ts >= 0) assert.deepEqual(decodeWriteRequest(grouped).map((s) => s.samples[0]!.timestampMs), [ts, ts], `timestamp ${ts} decodes`);
  }
});

test('a slice [from, to) from the middle of a group encodes exactly those members', () => {
  const part = prepareGroupPart(executor);
  const middle = sliceGroup(part, 2, 5);
  const grouped = bytes([middle]);
  assert.deepEqual(Buffer.from(grouped), Buffer.from(bytes(preparePlain(membersOf(executor, 2, 5)))));
  assert.deepEqual(
    decodeWriteRequest(grouped).map((s) => s.labels.__name__),
    ['spark_nan', 'spark_inf', 'spark_neg_inf'],
  );
  assert.equal(bytes([sliceGroup(part, 3, 3)]).length, 0, 'an empty slice writes nothing');
});

test('plain series, then groups of different shapes, in one request: identical to all of them plain, in order', () => {
  const plainFirst: Series[] = [
    { labels: { __name__: 'up', job: 'lakepulse', instance: 'x' }, samples: [{ value: 1, timestampMs: 10 }, { value: 0, timestampMs: 20 }] },
    { labels: { __name__: 'spark_a', job: 'synapse', instance: 'ws1', application_id: 'app-1', executor_id: '3' }, samples: [{ value: 7, timestampMs: 5 }] },
  ];
  const groups = [
    executor,
    group({ job: 'synapse', instance: 'ws1', application_id: 'app-1', executor_id: '4' }, ['spark_x', 'spark_y'], [1, 2], 99), // same shape, other values
    group({ job: 'synapse', zeta: 'last', Alpha: 'first' }, ['m1', 'm2', 'm3'], [3, -0, 0], BIG_TS), // other shape: the name's field in the middle
    group({ aaa: '1' }, ['only'], [Infinity], 0),
  ];
  const encoder = new WriteRequestEncoder(); // one encoder, as the sender keeps: its caches are shared
  const preparer = new SeriesPreparer(new DropCounter());
  const parts: PreparedPart[] = plainFirst.map((s) => preparer.prepare(s)!);
  for (const g of groups) parts.push(preparer.prepareGroup(g)!);
  // Twice with the same encoder: a warm cache must give the same bytes.
  const first = encoder.encode(parts).slice();
  const again = encoder.encode(parts).slice();
  const expected = [...plainFirst, ...groups.flatMap((g) => expandGroup(g))];
  const plain = bytes(preparePlain(expected));
  assert.deepEqual(Buffer.from(first), Buffer.from(plain));
  assert.deepEqual(Buffer.from(again), Buffer.from(plain));
  assert.deepEqual(decodeWriteRequest(first), expected.map((s) => ({ labels: sortedLabels(s.labels), samples: s.samples })));
});

test('batches(): a group larger than the request cap is cut between members, in order, every request within the cap', () => {
  const names = Array.from({ length: 23 }, (_, i) => `m_${String(i).padStart(2, '0')}`);
  const big = group({ job: 'j', instance: 'i', executor_id: '1' }, names, names.map((_, i) => i + 0.5), 1000);
  const small = group({ job: 'j', instance: 'i', executor_id: '2' }, ['s_a', 's_b', 's_c'], [1, 2, 3], 1000);
  const plain: Series = { labels: { __name__: 'p', job: 'j' }, samples: [{ value: 9, timestampMs: 1 }, { value: 8, timestampMs: 2 }] };
  const preparer = new SeriesPreparer(new DropCounter());
  const drops = new DropCounter();
  const cap = 5;
  const out = [...batches([preparer.prepare(plain)!, preparer.prepareGroup(big)!, preparer.prepareGroup(small)!], { maxSamplesPerRequest: cap, maxBytesPerRequest: 1_000_000 }, drops)];
  assert.equal(drops.totalSamples, 0);
  const total = 2 + 23 + 3;
  assert.equal(out.reduce((n, b) => n + b.samples, 0), total);
  assert.equal(out.length, Math.ceil(total / cap), 'requests are kept full');
  for (const b of out) {
    assert.ok(b.samples <= cap, `batch of ${b.samples}`);
    assert.equal(decodeBody(b).reduce((n, s) => n + s.samples.length, 0), b.samples, 'the body carries what the batch says');
  }
  const sent = out.flatMap((b) => decodeBody(b));
  const expected = [plain, ...expandGroup(big), ...expandGroup(small)];
  assert.deepEqual(
    sent.flatMap((s) => s.samples.map((x) => `${s.labels.__name__}@${x.timestampMs}=${x.value}`)),
    expected.flatMap((s) => s.samples.map((x) => `${s.labels.__name__}@${x.timestampMs}=${x.value}`)),
  );
  // The second request begins with the big group's members 3..7 (the first took the plain series' 2 samples and 3 members).
  const second = out[1]!.series;
  assert.ok(second.every(isGroup));
  assert.deepEqual(second.map((p) => [(p as PreparedGroup).from, (p as PreparedGroup).to]), [[3, 8]]);
});

test('splitBatch: a lone group is halved between members; a one-member group cannot be split', () => {
  const names = ['a', 'b', 'c', 'd', 'e'];
  const part = prepareGroupPart(group({ job: 'j' }, names, [1, 2, 3, 4, 5], 1));
  const [whole] = [...batches([part], { maxSamplesPerRequest: 100, maxBytesPerRequest: 1_000_000 }, new DropCounter())];
  assert.ok(whole);
  const halves = splitBatch(whole);
  assert.deepEqual(halves.map((h) => h.samples), [3, 2]);
  assert.deepEqual(halves.map((h) => decodeBody(h).map((s) => s.labels.__name__)), [['a', 'b', 'c'], ['d', 'e']]);
  const [lone] = [...batches([sliceGroup(part, 4, 5)], { maxSamplesPerRequest: 100, maxBytesPerRequest: 1_000_000 }, new DropCounter())];
  assert.deepEqual(splitBatch(lone!), []);
});

test('batches(): a group over the byte cap is halved down to members, and a member that still does not fit is counted oversize', () => {
  const long = 'v'.repeat(900); // incompressible enough not to matter: one label value per member name below
  const names = Array.from({ length: 4 }, (_, i) => `n${i}_${'x'.repeat(400)}`);
  const g = group({ job: 'j', big: long }, names, [1, 2, 3, 4], 1);
  const drops = new DropCounter();
  // Below one member's compressed size: every member is dropped, counted once as a series and a sample.
  const none = [...batches([prepareGroupPart(g)], { maxSamplesPerRequest: 100, maxBytesPerRequest: 40 }, drops)];
  assert.deepEqual(none, []);
  assert.deepEqual(drops.series, { [reasonOversize]: 4 });
  assert.deepEqual(drops.samples, { [reasonOversize]: 4 });
  // Room for about one member: all four still arrive, one per request, in order.
  const oneSize = [...batches([sliceGroup(prepareGroupPart(g), 0, 1)], { maxSamplesPerRequest: 100, maxBytesPerRequest: 1_000_000 }, new DropCounter())][0]!.body.length;
  const kept = new DropCounter();
  const each = [...batches([prepareGroupPart(g)], { maxSamplesPerRequest: 100, maxBytesPerRequest: oneSize + 8 }, kept)];
  assert.equal(kept.totalSamples, 0);
  assert.deepEqual(each.flatMap((b) => decodeBody(b).map((s) => s.labels.__name__)), names);
  for (const b of each) assert.ok(b.body.length <= oneSize + 8);
});

test('prepareGroup: a member with an invalid metric name is dropped and counted, the others kept as they are', () => {
  const drops = new DropCounter();
  const g = group({ job: 'j', instance: 'i' }, ['good_a', '1bad', 'good_b', '', 'has-dash', 'good_c'], [1, 2, 3, 4, 5, 6], 50);
  const part = new SeriesPreparer(drops).prepareGroup(g)!;
  assert.deepEqual([...part.metricNames.slice(part.from, part.to)], ['good_a', 'good_b', 'good_c']);
  assert.deepEqual([...part.sampleValues.slice(part.from, part.to)], [1, 3, 6]);
  assert.deepEqual(drops.series, { [reasonInvalidMetricName]: 2, [reasonMissingName]: 1 });
  assert.deepEqual(drops.samples, { [reasonInvalidMetricName]: 2, [reasonMissingName]: 1 });
  assert.deepEqual(
    decodeWriteRequest(bytes([part])).map((s) => [s.labels.__name__, s.samples[0]!.value]),
    [['good_a', 1], ['good_b', 3], ['good_c', 6]],
  );
  // Every member invalid: nothing comes back, each counted.
  const all = new DropCounter();
  assert.equal(new SeriesPreparer(all).prepareGroup(group({ job: 'j' }, ['9a', '9b'], [1, 2], 1)), undefined);
  assert.deepEqual(all.series, { [reasonInvalidMetricName]: 2 });
});

test('prepareGroup: bad labels drop the whole group with its member count, as prepare() would drop each member', () => {
  const cases: Array<[string, Record<string, string>, number, string]> = [
    ['a label value over 1023 characters', { job: 'j', big: 'x'.repeat(1024) }, 1, reasonLabelValueTooLong],
    ['63 labels besides the name', Object.fromEntries(Array.from({ length: 63 }, (_, i) => [`l${i}`, 'v'])), 1, reasonTooManyLabels],
    ['an empty label name', { job: 'j', '': 'v' }, 1, reasonInvalidLabelName],
    ['a fractional timestamp', { job: 'j' }, 1.5, reasonBadTimestamp],
  ];
  for (const [what, labels, ts, reason] of cases) {
    const drops = new DropCounter();
    const g = group(labels, ['a', 'b', 'c'], [1, 2, 3], ts);
    assert.equal(new SeriesPreparer(drops).prepareGroup(g), undefined, what);
    assert.deepEqual(drops.series, { [reason]: 3 }, what);
    assert.deepEqual(drops.samples, { [reason]: 3 }, what);
    // prepare() drops each expanded member the same way.
    const plain = new DropCounter();
    assert.deepEqual([...prepareEach(expandGroup(g), plain)], [], what);
    assert.equal(plain.totalSamples, 3, what);
  }
  // 62 labels + the name = 63: the limit itself is fine.
  const ok = new DropCounter();
  const limit = new SeriesPreparer(ok).prepareGroup(group(Object.fromEntries(Array.from({ length: 62 }, (_, i) => [`l${i}`, 'v'])), ['a'], [1], 1));
  assert.ok(limit);
  assert.equal(limit.names.length, 63);
  assert.equal(ok.totalSeries, 0);
});

test('prepareGroup: empty label values are left out as prepare() does, and a __name__ key in the labels is ignored', () => {
  const drops = new DropCounter();
  const preparer = new SeriesPreparer(drops);
  const part = preparer.prepareGroup(group({ job: 'j', empty: '', __name__: 'not_a_member', 'bad-name': 'v' }, ['m1', 'm2'], [1, 2], 7))!;
  assert.deepEqual(part.names, ['__name__', 'bad_name', 'job']);
  assert.deepEqual(
    decodeWriteRequest(bytes([part])),
    [
      { labels: { __name__: 'm1', bad_name: 'v', job: 'j' }, samples: [{ value: 1, timestampMs: 7 }] },
      { labels: { __name__: 'm2', bad_name: 'v', job: 'j' }, samples: [{ value: 2, timestampMs: 7 }] },
    ],
  );
  const viaPrepare = preparer.prepare({ labels: { __name__: 'm1', job: 'j', empty: '', 'bad-name': 'v' }, samples: [{ value: 1, timestampMs: 7 }] })!;
  assert.deepEqual(Buffer.from(bytes([sliceGroup(part, 0, 1)])), Buffer.from(bytes([viaPrepare])));
  assert.equal(drops.totalSeries, 0);
  // An empty group is nothing, and counts nothing.
  assert.equal(preparer.prepareGroup(group({ job: 'j' }, [], [], 1)), undefined);
  assert.equal(drops.totalSeries + drops.totalSamples, 0);
});

test('prepareGroup after another group with the same labels object but other members prepares the new members', () => {
  // The preparer remembers the last group's label work; a different group sharing the labels object must still be read.
  const labels = { job: 'j', instance: 'i' };
  const preparer = new SeriesPreparer(new DropCounter());
  const a = preparer.prepareGroup(group(labels, ['a1', 'a2'], [1, 2], 1))!;
  const b = preparer.prepareGroup(group(labels, ['b1'], [3], 2))!;
  assert.deepEqual(decodeWriteRequest(bytes([a, b])).map((s) => [s.labels.__name__, s.labels.instance, s.samples[0]!.value, s.samples[0]!.timestampMs]), [
    ['a1', 'i', 1, 1],
    ['a2', 'i', 2, 1],
    ['b1', 'i', 3, 2],
  ]);
});

function decodeBody(b: Batch): Series[] {
  return decodeWriteRequest(uncompress(b.body));
}

function sortedLabels(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([, v]) => v !== '').sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
}

test('groups and plain series of the same shape interleaved, through an encoder whose label cache is emptied all the time', () => {
  // Same raw key order as a group's (labels, then the name): the plain series share the group's prepared `names`
  // array, and with it the encoder's cached label run.
  const plainOf = (instance: string, name: string, value: number, ts: number): Series => ({ labels: { job: 'j', instance, __name__: name }, samples: [{ value, timestampMs: ts }] });
  const g1 = group({ job: 'j', instance: 'one' }, ['a', 'b', 'c'], [1, 2, 3], 100);
  const g2 = group({ job: 'j', instance: 'two' }, ['a', 'd'], [4, -0], 200);
  const preparer = new SeriesPreparer(new DropCounter());
  const p1 = preparer.prepareGroup(g1)!;
  const mid = preparer.prepare(plainOf('two', 'x', 9, 150))!;
  const p2 = preparer.prepareGroup(g2)!;
  const tail = preparer.prepare(plainOf('one', 'y', 8, 300))!;
  assert.equal(mid.names, p1.names, 'sanity: the plain series shares the group shape');
  const parts: PreparedPart[] = [sliceGroup(p1, 0, 2), mid, p2, sliceGroup(p1, 2, 3), tail, p1];
  const expected = [...membersOf(g1, 0, 2), plainOf('two', 'x', 9, 150), ...expandGroup(g2), ...membersOf(g1, 2, 3), plainOf('one', 'y', 8, 300), ...expandGroup(g1)];
  const want = Buffer.from(bytes(preparePlain(expected)));
  for (const maxCacheBytes of [1, 300, 8 * 1024 * 1024]) {
    const encoder = new WriteRequestEncoder(maxCacheBytes);
    for (let round = 0; round < 3; round++) assert.deepEqual(Buffer.from(encoder.encode(parts)), want, `cache bound ${maxCacheBytes}, round ${round}`);
  }
  assert.deepEqual(decodeWriteRequest(want).map((s) => `${s.labels.__name__}/${s.labels.instance}`), ['a/one', 'b/one', 'x/two', 'a/two', 'd/two', 'c/one', 'y/one', 'a/one', 'b/one', 'c/one']);
});

test('prepareGroup: a member name over 511 characters is dropped as metric_name_too_long, as prepare() drops it', () => {
  const drops = new DropCounter();
  const long = 'm'.repeat(512);
  const part = new SeriesPreparer(drops).prepareGroup(group({ job: 'j' }, ['ok', long, 'm'.repeat(511)], [1, 2, 3], 1))!;
  assert.deepEqual([...part.metricNames], ['ok', 'm'.repeat(511)]);
  assert.deepEqual(drops.series, { metric_name_too_long: 1 });
  const plain = new DropCounter();
  assert.deepEqual([...prepareEach([{ labels: { __name__: long, job: 'j' }, samples: [{ value: 2, timestampMs: 1 }] }], plain)], []);
  assert.deepEqual(plain.samples, { metric_name_too_long: 1 });
});
