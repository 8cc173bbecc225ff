import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { batches, type Batch } from '../../lib/remote-write/batch';
import { DropCounter, prepareSeries } from '../../lib/remote-write/labels';
import type { Series } from '../../lib/series';
import { decodeWriteRequestBody } from '../support/prompb';

const FRAMED_MAGIC = Buffer.from([0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x50, 0x59]);

function series(n: number, samplesEach: number, valueBytes = 8): Series[] {
  return Array.from({ length: n }, (_, i) => ({
    labels: { __name__: 'batch_test', i: String(i), pad: `${i}`.padStart(valueBytes, 'x') },
    samples: Array.from({ length: samplesEach }, (_, k) => ({ value: k, timestampMs: 1_000_000 + k })),
  }));
}

function all(input: Series[], limits: { maxSamplesPerRequest: number; maxBytesPerRequest: number }) {
  const drops = new DropCounter();
  const out: Batch[] = [...batches(prepareSeries(input, drops), limits, drops)];
  return { out, drops };
}

test('no batch exceeds the sample cap, and every sample goes exactly once, in order per series', () => {
  const { out } = all(series(250, 7), { maxSamplesPerRequest: 100, maxBytesPerRequest: 1_000_000 });
  const seen = new Map<string, number[]>();
  for (const b of out) {
    assert.ok(b.samples <= 100);
    const decoded = decodeWriteRequestBody(b.body);
    assert.equal(decoded.timeseries.reduce((n, t) => n + t.samples.length, 0), b.samples);
    for (const t of decoded.timeseries) {
      const key = t.labels.find((l) => l.name === 'i')!.value;
      seen.set(key, [...(seen.get(key) ?? []), ...t.samples.map((s) => s.timestampMs)]);
    }
  }
  assert.equal(out.reduce((n, b) => n + b.samples, 0), 250 * 7);
  assert.equal(seen.size, 250);
  for (const ts of seen.values()) assert.deepEqual(ts, Array.from({ length: 7 }, (_, k) => 1_000_000 + k));
});

test('a series with more samples than the cap continues in the next batch, oldest first', () => {
  const { out } = all(series(1, 25), { maxSamplesPerRequest: 10, maxBytesPerRequest: 1_000_000 });
  assert.deepEqual(out.map((b) => b.samples), [10, 10, 5]);
  const order = out.flatMap((b) => decodeWriteRequestBody(b.body).timeseries[0]!.samples.map((s) => s.timestampMs));
  assert.deepEqual(order, Array.from({ length: 25 }, (_, k) => 1_000_000 + k));
});

test('the compressed byte cap splits batches; a lone sample over it is dropped as oversize', () => {
  // Random-ish label values so snappy cannot shrink them much.
  const noise = (i: number) => Array.from({ length: 24 }, (_, k) => createHash('sha256').update(`${i}/${k}`).digest('base64')).join('').slice(0, 1000);
  const noisy = Array.from({ length: 200 }, (_, i) => ({ labels: { __name__: 'noisy', v: noise(i) }, samples: [{ value: i, timestampMs: 5 }] }));
  const { out, drops } = all(noisy, { maxSamplesPerRequest: 2000, maxBytesPerRequest: 20_000 });
  assert.ok(out.length > 1);
  for (const b of out) assert.ok(b.body.length <= 20_000, `body ${b.body.length}`);
  assert.equal(out.reduce((n, b) => n + b.samples, 0), 200);
  assert.equal(drops.totalSamples, 0);
  const tiny = all(noisy.slice(0, 3), { maxSamplesPerRequest: 2000, maxBytesPerRequest: 100 });
  assert.equal(tiny.out.length, 0);
  assert.deepEqual(tiny.drops.samples, { oversize: 3 });
});

test('bodies are snappy block format, not framed', () => {
  const { out } = all(series(10, 1), { maxSamplesPerRequest: 2000, maxBytesPerRequest: 1_000_000 });
  assert.equal(out.length, 1);
  assert.ok(!Buffer.from(out[0]!.body.subarray(0, 10)).equals(FRAMED_MAGIC));
  assert.equal(decodeWriteRequestBody(out[0]!.body).timeseries.length, 10);
});

test('batches are produced lazily', () => {
  const drops = new DropCounter();
  const prepared = prepareSeries(series(10_000, 1), drops);
  const it = batches(prepared, { maxSamplesPerRequest: 100, maxBytesPerRequest: 1_000_000 }, drops);
  const first = it.next();
  assert.equal(first.done, false);
  assert.equal(first.value?.samples, 100);
  assert.equal(first.value?.series[0]?.values[1], '0');
});
