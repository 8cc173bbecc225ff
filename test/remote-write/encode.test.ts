import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WriteRequestEncoder } from '../../lib/remote-write/encode';
import type { PreparedSeries } from '../../lib/remote-write/labels';
import type { MetricMetadata } from '../../lib/series';
import { decodeWriteRequest, encodeWithProtobufjs, type LogicalWriteRequest } from '../support/prompb';

function logical(series: readonly PreparedSeries[], metadata: LogicalWriteRequest['metadata'] = []): LogicalWriteRequest {
  return {
    timeseries: series.map((s) => ({
      labels: s.names.map((name, i) => ({ name, value: s.values[i]! })),
      samples: s.samples.map((x) => ({ value: x.value, timestampMs: x.timestampMs, stale: x.stale === true })),
    })),
    metadata,
  };
}

const now = Date.now();
const varied: PreparedSeries[] = [
  { names: ['__name__', 'job'], values: ['up', 'databricks'], samples: [{ value: 1, timestampMs: now }] },
  { names: ['__name__', 'unicode'], values: ['a:b:c_total', 'héllo ✓ 日本 \u{1F600}'], samples: [{ value: 123.45, timestampMs: now - 1 }, { value: 42, timestampMs: now }] },
  { names: ['__name__', 'big'], values: ['m', 'x'.repeat(10_000)], samples: [{ value: -15.5, timestampMs: 2 ** 32 + 7 }] },
  { names: ['__name__'], values: ['n'.repeat(120)], samples: [{ value: Infinity, timestampMs: 1 }, { value: -Infinity, timestampMs: 2 }, { value: NaN, timestampMs: 3 }] },
  {
    names: ['__name__', 'a'],
    values: ['edge', '1'],
    samples: [
      { value: 1.797e308, timestampMs: 4 },
      { value: 2.2e-308, timestampMs: 5 },
      { value: 1.23e-4, timestampMs: 6 },
      { value: -0, timestampMs: 7 },
      { value: 0, timestampMs: 8 },
      { value: 5, timestampMs: 0 },
      { value: Number.MAX_VALUE, timestampMs: 2 ** 31 },
      { value: Number.MIN_VALUE, timestampMs: 2 ** 31 - 1 },
      { value: 0.1, timestampMs: 2 ** 53 - 1 },
    ],
  },
  { names: ['__name__', 'z'], values: ['no_samples_is_legal', 'v'], samples: [] },
  { names: ['__name__', 'ended'], values: ['stale_total', 'yes'], samples: [{ value: 3, timestampMs: now - 15_000 }, { value: 0, timestampMs: now, stale: true }] },
  // 40 three-byte characters: guessed as 40 bytes, really 120, so the series length prefix grows from 1 to 2 bytes.
  { names: ['__name__', 'wide'], values: ['w', '日'.repeat(40)], samples: [{ value: 1, timestampMs: 9 }] },
  { names: ['__name__', 'wide'], values: ['w', 'é'.repeat(8200)], samples: [{ value: 2, timestampMs: 10 }] },
  { names: ['__name__', 'ünïcode_name'], values: ['x', 'y'], samples: [{ value: 1, timestampMs: 11 }] },
];

test('encodes byte for byte what protobufjs encodes from the official schema', () => {
  const encoder = new WriteRequestEncoder();
  for (const series of [varied, [], varied.slice(0, 1), varied.slice(2, 4), varied.slice(6), [...varied].reverse()]) {
    assert.deepEqual(Buffer.from(encoder.encode(series)), Buffer.from(encodeWithProtobufjs(logical(series))));
  }
});

test('decodes to the same labels, values and timestamps it was given', () => {
  const decoded = decodeWriteRequest(new WriteRequestEncoder().encode(varied));
  assert.equal(decoded.timeseries.length, varied.length);
  decoded.timeseries.forEach((ts, i) => {
    const want = varied[i]!;
    assert.deepEqual(ts.labels, want.names.map((name, j) => ({ name, value: want.values[j]! })));
    assert.deepEqual(ts.samples.map((s) => s.timestampMs), want.samples.map((s) => s.timestampMs));
    ts.samples.forEach((s, k) => {
      const expected = want.samples[k]!;
      if (expected.stale) assert.equal(s.stale, true);
      else assert.ok(Object.is(s.value, expected.value) || (Number.isNaN(s.value) && Number.isNaN(expected.value)), `${s.value} vs ${expected.value}`);
    });
  });
});

test('metadata (field 3) matches protobufjs too', () => {
  const encoder = new WriteRequestEncoder();
  const metadata: MetricMetadata[] = [
    { name: 'up', type: 'gauge', help: 'Whether the target answered.' },
    { name: 'a_total', type: 'counter', help: 'ünïcode help', unit: 'seconds' },
    { name: 'x', type: 'unknown', help: '' },
    { name: 'h', type: 'histogram', help: 'h'.repeat(300) },
    { name: 's', type: 'summary', help: 's' },
    { name: 'i', type: 'info', help: 'i' },
    { name: 'st', type: 'stateset', help: 'st' },
  ];
  const ours = encoder.encode(varied.slice(0, 1), metadata);
  const theirs = encodeWithProtobufjs(
    logical(varied.slice(0, 1), [
      { type: 2, metricFamilyName: 'up', help: 'Whether the target answered.' },
      { type: 1, metricFamilyName: 'a_total', help: 'ünïcode help', unit: 'seconds' },
      { type: 0, metricFamilyName: 'x' },
      { type: 3, metricFamilyName: 'h', help: 'h'.repeat(300) },
      { type: 5, metricFamilyName: 's', help: 's' },
      { type: 6, metricFamilyName: 'i', help: 'i' },
      { type: 7, metricFamilyName: 'st', help: 'st' },
    ]),
  );
  assert.deepEqual(Buffer.from(ours), Buffer.from(theirs));
  assert.deepEqual(decodeWriteRequest(ours).metadata[1], { type: 1, metricFamilyName: 'a_total', help: 'ünïcode help', unit: 'seconds' });
});

test('stale markers carry the exact bits 0x7ff0000000000002, distinct from NaN', () => {
  const encoder = new WriteRequestEncoder();
  const raw = encoder.encode([{ names: ['__name__'], values: ['gone'], samples: [{ value: NaN, timestampMs: now }, { value: 0, timestampMs: now + 1, stale: true }, { value: 7, timestampMs: now + 2, stale: true }] }]);
  const decoded = decodeWriteRequest(raw);
  const [nan, stale, staleWithValue] = decoded.timeseries[0]!.samples;
  assert.equal(stale?.valueBits, '7ff0000000000002');
  assert.equal(stale?.stale, true);
  assert.equal(staleWithValue?.valueBits, '7ff0000000000002', 'the value is ignored for a stale sample');
  assert.equal(nan?.stale, false);
  assert.notEqual(nan?.valueBits, '7ff0000000000002');
  assert.ok(Number.isNaN(nan?.value));
  assert.equal(stale?.timestampMs, now + 1);
  assert.ok(Buffer.from(raw).includes(Buffer.from([0x09, 0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f])));
});

test('a negative timestamp is written as a 10-byte int64 varint and does not corrupt what follows', () => {
  const series: PreparedSeries[] = [
    { names: ['__name__'], values: ['old'], samples: [{ value: 1, timestampMs: -1 }, { value: 2, timestampMs: -(2 ** 40) }] },
    { names: ['__name__'], values: ['next'], samples: [{ value: 3, timestampMs: now }] },
  ];
  const raw = new WriteRequestEncoder().encode(series);
  assert.deepEqual(Buffer.from(raw), Buffer.from(encodeWithProtobufjs(logical(series))));
  const decoded = decodeWriteRequest(raw);
  assert.deepEqual(decoded.timeseries[0]!.samples.map((s) => s.timestampMs), [-1, -(2 ** 40)]);
  assert.deepEqual(decoded.timeseries[1]!.labels, [{ name: '__name__', value: 'next' }]);
  assert.equal(decoded.timeseries[1]!.samples[0]!.timestampMs, now);
});

test('the reused buffer and a tiny label cache give correct output across calls', () => {
  const encoder = new WriteRequestEncoder(600); // a tiny cache forces evictions mid-request
  const big = Array.from({ length: 500 }, (_, i) => ({ names: ['__name__', 'i'], values: ['m', String(i)], samples: [{ value: i, timestampMs: now + i }] }));
  const first = Buffer.from(encoder.encode(big));
  const small = varied.slice(0, 2);
  assert.deepEqual(Buffer.from(encoder.encode(small)), Buffer.from(encodeWithProtobufjs(logical(small))));
  assert.deepEqual(Buffer.from(encoder.encode(big)), first);
  assert.deepEqual(first, Buffer.from(encodeWithProtobufjs(logical(big))));
  // Growing past the initial 64 KiB buffer.
  const huge = Array.from({ length: 3000 }, (_, i) => ({ names: ['__name__', 'pad'], values: ['m', `${i}`.padStart(100, '.')], samples: [{ value: i, timestampMs: now }] }));
  assert.deepEqual(Buffer.from(encoder.encode(huge)), Buffer.from(encodeWithProtobufjs(logical(huge))));
});

test('random label sets and values match protobufjs', () => {
  let seed = 12345;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const alphabet = ['a', 'Z', '_', ':', '0', 'é', '日', '\u{1F600}', ' ', '/'];
  const str = (max: number) => Array.from({ length: 1 + Math.floor(rand() * max) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
  const series: PreparedSeries[] = Array.from({ length: 200 }, () => {
    const labelCount = 1 + Math.floor(rand() * 6);
    return {
      names: Array.from({ length: labelCount }, (_, j) => `l${j}`),
      values: Array.from({ length: labelCount }, () => str(rand() < 0.1 ? 3000 : 40)),
      samples: Array.from({ length: Math.floor(rand() * 4) }, (_, k) => ({ value: (rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20), timestampMs: Math.floor(rand() * 2 ** 45) + k })),
    };
  });
  assert.deepEqual(Buffer.from(new WriteRequestEncoder().encode(series)), Buffer.from(encodeWithProtobufjs(logical(series))));
});

test('series of one shape that share all labels but the name, or differ in one value, match protobufjs (the run cache)', () => {
  let seed = 99;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  // `Z` and `A_b` sort before `__name__`: the name sits in the middle of the labels.
  const shapes = [['__name__', 'executor_id', 'job', 'workspace'], ['A_b', 'Z', '__name__', 'job', 'x'], ['A', '__name__']];
  const series: PreparedSeries[] = [];
  for (let i = 0; i < 600; i++) {
    const names = shapes[Math.floor(rand() * shapes.length)]!;
    const previous = [...series].reverse().find((s) => s.names === names);
    // Mostly the previous series of the shape with another name, sometimes one other value changed (by one character).
    const values = previous ? [...previous.values] : names.map((n) => `${n}-v`);
    const j = Math.floor(rand() * names.length);
    if (names[j] === '__name__' || rand() < 0.7) values[names.indexOf('__name__')] = `metric_${Math.floor(rand() * 5)}`;
    else values[j] = values[j]!.slice(0, -1) + (rand() < 0.5 ? 'x' : 'é');
    series.push({ names, values, samples: [{ value: i, timestampMs: now + i }] });
  }
  const encoder = new WriteRequestEncoder(2000); // small: evictions while runs are cached
  for (const part of [series, series.slice(1, 77), series.slice(300), series]) {
    assert.deepEqual(Buffer.from(encoder.encode(part)), Buffer.from(encodeWithProtobufjs(logical(part))));
  }
});
