import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WriteRequestEncoder } from '../../lib/remote-write/encode';
import type { PreparedSeries } from '../../lib/remote-write/labels';
import { decodeWriteRequest, encodeWithProtobufjs } from '../support/prompb';

function toProto(series: PreparedSeries[]) {
  return {
    timeseries: series.map((s) => ({
      labels: s.names.map((name, i) => ({ name, value: s.values[i]! })),
      samples: s.samples.map((x) => ({ value: x.value, timestampMs: x.timestampMs })),
    })),
  };
}

const now = Date.now();
const varied: PreparedSeries[] = [
  { names: ['__name__', 'job'], values: ['up', 'databricks'], samples: [{ value: 1, timestampMs: now }] },
  { names: ['__name__', 'unicode'], values: ['a:b:c_total', 'héllo ✓ 日本 \u{1F600}'], samples: [{ value: 123.45, timestampMs: now - 1 }, { value: 42, timestampMs: now }] },
  { names: ['__name__', 'big'], values: ['m', 'x'.repeat(10_000)], samples: [{ value: -15.5, timestampMs: 2 ** 32 + 7 }] },
  { names: ['__name__'], values: ['n'.repeat(120)], samples: [{ value: Infinity, timestampMs: 1 }, { value: -Infinity, timestampMs: 2 }, { value: NaN, timestampMs: 3 }] },
  { names: ['__name__', 'a'], values: ['edge', '1'], samples: [{ value: 1.797e308, timestampMs: 4 }, { value: 2.2e-308, timestampMs: 5 }, { value: 1.23e-4, timestampMs: 6 }, { value: -0, timestampMs: 7 }, { value: 0, timestampMs: 8 }, { value: 5, timestampMs: 0 }] },
  { names: ['__name__', 'z'], values: ['no_samples_is_legal', 'v'], samples: [] },
];

test('encodes byte for byte what protobufjs encodes from the official schema', () => {
  const encoder = new WriteRequestEncoder();
  for (const series of [varied, [], varied.slice(0, 1), varied.slice(2, 4)]) {
    assert.deepEqual(Buffer.from(encoder.encode(series)), Buffer.from(encodeWithProtobufjs(toProto(series))));
  }
});

test('metadata (field 3) matches protobufjs too', () => {
  const encoder = new WriteRequestEncoder();
  const ours = encoder.encode(varied.slice(0, 1), [
    { name: 'up', type: 'gauge', help: 'Whether the target answered.' },
    { name: 'a_total', type: 'counter', help: 'ünïcode help', unit: 'seconds' },
    { name: 'x', type: 'unknown', help: '' },
  ]);
  const theirs = encodeWithProtobufjs({
    ...toProto(varied.slice(0, 1)),
    metadata: [
      { type: 2, metricFamilyName: 'up', help: 'Whether the target answered.' },
      { type: 1, metricFamilyName: 'a_total', help: 'ünïcode help', unit: 'seconds' },
      { type: 0, metricFamilyName: 'x' },
    ],
  });
  assert.deepEqual(Buffer.from(ours), Buffer.from(theirs));
});

test('stale markers carry the exact bits 0x7ff0000000000002, distinct from NaN', () => {
  const encoder = new WriteRequestEncoder();
  const raw = encoder.encode([{ names: ['__name__'], values: ['gone'], samples: [{ value: NaN, timestampMs: now }, { value: 0, timestampMs: now + 1, stale: true }] }]);
  const decoded = decodeWriteRequest(raw);
  const [nan, stale] = decoded.timeseries[0]!.samples;
  assert.equal(stale?.valueBits, '7ff0000000000002');
  assert.equal(stale?.stale, true);
  assert.equal(nan?.stale, false);
  assert.notEqual(nan?.valueBits, '7ff0000000000002');
  assert.ok(Number.isNaN(nan?.value));
  assert.equal(stale?.timestampMs, now + 1);
});

test('the reused buffer gives correct output when a small request follows a large one', () => {
  const encoder = new WriteRequestEncoder(2); // tiny string cache forces evictions
  const big = Array.from({ length: 500 }, (_, i) => ({ names: ['__name__', 'i'], values: ['m', String(i)], samples: [{ value: i, timestampMs: now + i }] }));
  encoder.encode(big);
  const small = varied.slice(0, 2);
  assert.deepEqual(Buffer.from(encoder.encode(small)), Buffer.from(encodeWithProtobufjs(toProto(small))));
  const decoded = decodeWriteRequest(encoder.encode(big));
  assert.equal(decoded.timeseries.length, 500);
  assert.equal(decoded.timeseries[499]!.samples[0]!.timestampMs, now + 499);
});
