import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { uncompressSync as nativeUncompress } from 'snappy';
import { uncompress } from 'snappyjs';
import { batches, encodeBatch, splitBatch, type Batch } from '../../lib/remote-write/batch';
import { compressBlock } from '../../lib/remote-write/snappy';
import { DropCounter, prepareEach, prepareSeries, reasonOversize, type PreparedSeries } from '../../lib/remote-write/labels';
import type { MetricMetadata, Series } from '../../lib/series';
import { decodeWriteRequestBody } from '../support/prompb';
import { startPrometheus, type PrometheusServer } from '../support/prometheus';

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

/** Timestamps of every series (by label `i`) in the order the batches carry them. */
function timestampsById(out: Batch[]): Map<string, number[]> {
  const seen = new Map<string, number[]>();
  for (const b of out) {
    for (const t of decodeWriteRequestBody(b.body).timeseries) {
      const key = t.labels.find((l) => l.name === 'i')!.value;
      seen.set(key, [...(seen.get(key) ?? []), ...t.samples.map((s) => s.timestampMs)]);
    }
  }
  return seen;
}

/** Label values snappy cannot shrink much. */
const noise = (i: number, length: number) =>
  Array.from({ length: Math.ceil(length / 44) }, (_, k) => createHash('sha256').update(`${i}/${k}`).digest('base64')).join('').slice(0, length);

test('no batch exceeds the sample cap, and every sample goes exactly once, in order per series', () => {
  const { out } = all(series(250, 7), { maxSamplesPerRequest: 100, maxBytesPerRequest: 1_000_000 });
  for (const b of out) {
    assert.ok(b.samples <= 100);
    const decoded = decodeWriteRequestBody(b.body);
    assert.equal(decoded.timeseries.reduce((n, t) => n + t.samples.length, 0), b.samples);
    assert.equal(b.rawBytes, uncompress(Buffer.from(b.body)).length);
  }
  assert.equal(out.length, Math.ceil((250 * 7) / 100));
  assert.equal(out.reduce((n, b) => n + b.samples, 0), 250 * 7);
  const seen = timestampsById(out);
  assert.equal(seen.size, 250);
  for (const ts of seen.values()) assert.deepEqual(ts, Array.from({ length: 7 }, (_, k) => 1_000_000 + k));
});

test('a series with more samples than the cap continues in the next batch, oldest first', () => {
  const { out } = all(series(1, 25), { maxSamplesPerRequest: 10, maxBytesPerRequest: 1_000_000 });
  assert.deepEqual(out.map((b) => b.samples), [10, 10, 5]);
  assert.deepEqual(out.map((b) => b.oldestTimestampMs), [1_000_000, 1_000_010, 1_000_020]);
  const order = out.flatMap((b) => decodeWriteRequestBody(b.body).timeseries[0]!.samples.map((s) => s.timestampMs));
  assert.deepEqual(order, Array.from({ length: 25 }, (_, k) => 1_000_000 + k));
});

test('per-series timestamp order holds across batches for series of mixed lengths', () => {
  let seed = 7;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const input: Series[] = Array.from({ length: 300 }, (_, i) => {
    const n = 1 + Math.floor(rand() * (i % 10 === 0 ? 500 : 20));
    // Samples given out of order: hygiene sorts them.
    const ts = Array.from({ length: n }, (_, k) => 5_000_000 + k * 1000).sort(() => rand() - 0.5);
    return { labels: { __name__: 'mixed', i: String(i) }, samples: ts.map((t) => ({ value: t, timestampMs: t })) };
  });
  const total = input.reduce((n, s) => n + s.samples.length, 0);
  const { out, drops } = all(input, { maxSamplesPerRequest: 97, maxBytesPerRequest: 1_000_000 });
  assert.equal(drops.totalSamples, 0);
  assert.equal(out.reduce((n, b) => n + b.samples, 0), total);
  for (const b of out.slice(0, -1)) assert.equal(b.samples, 97, 'every batch but the last is full');
  const seen = timestampsById(out);
  for (const s of input) {
    const expected = s.samples.map((x) => x.timestampMs).sort((a, b) => a - b);
    assert.deepEqual(seen.get(s.labels.i!), expected);
  }
});

test('the compressed byte cap splits batches below the sample cap; a lone sample over it is dropped as oversize', () => {
  const noisy = Array.from({ length: 200 }, (_, i) => ({ labels: { __name__: 'noisy', i: String(i), v: noise(i, 1000) }, samples: [{ value: i, timestampMs: 5 }] }));
  const { out, drops } = all(noisy, { maxSamplesPerRequest: 2000, maxBytesPerRequest: 20_000 });
  assert.ok(out.length >= Math.ceil((200 * 1000) / 20_000), `${out.length} batches`);
  for (const b of out) assert.ok(b.body.length <= 20_000, `body ${b.body.length}`);
  assert.equal(out.reduce((n, b) => n + b.samples, 0), 200);
  assert.equal(timestampsById(out).size, 200);
  assert.equal(drops.totalSamples, 0);
  const tiny = all(noisy.slice(0, 3), { maxSamplesPerRequest: 2000, maxBytesPerRequest: 100 });
  assert.equal(tiny.out.length, 0);
  assert.deepEqual(tiny.drops.samples, { [reasonOversize]: 3 });
  assert.deepEqual(tiny.drops.series, { [reasonOversize]: 3 });
});

test('with a generous byte cap the sample cap decides, and the other way round', () => {
  const input = Array.from({ length: 400 }, (_, i) => ({ labels: { __name__: 'both', i: String(i), v: noise(i, 200) }, samples: [{ value: i, timestampMs: 7 }] }));
  const bySamples = all(input, { maxSamplesPerRequest: 50, maxBytesPerRequest: 10_000_000 }).out;
  assert.deepEqual(bySamples.map((b) => b.samples), Array(8).fill(50));
  const byBytes = all(input, { maxSamplesPerRequest: 400, maxBytesPerRequest: 30_000 }).out;
  assert.ok(byBytes.length > 1 && byBytes.every((b) => b.samples < 400 && b.body.length <= 30_000));
  assert.equal(byBytes.reduce((n, b) => n + b.samples, 0), 400);
});

test('bodies are snappy block format, not framed', () => {
  const { out } = all(series(10, 1), { maxSamplesPerRequest: 2000, maxBytesPerRequest: 1_000_000 });
  assert.equal(out.length, 1);
  const body = Buffer.from(out[0]!.body);
  assert.ok(!body.subarray(0, 10).equals(FRAMED_MAGIC));
  // Block format starts with the uncompressed length as a varint.
  let length = 0;
  for (let i = 0, shift = 1; ; i++, shift *= 128) {
    length += (body[i]! & 0x7f) * shift;
    if (body[i]! < 0x80) break;
  }
  assert.equal(length, out[0]!.rawBytes);
  assert.equal(decodeWriteRequestBody(out[0]!.body).timeseries.length, 10);
});

test('compressBlock output decodes to the input with snappyjs and the native snappy, for edge and random inputs', () => {
  let seed = 99;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const inputs: Uint8Array[] = [
    new Uint8Array(0),
    new Uint8Array([42]),
    new Uint8Array(14).fill(1),
    new Uint8Array(15).fill(1),
    new Uint8Array(300_000), // long runs: overlapping copies at offset 1, copies split into 64-byte elements
    Uint8Array.from({ length: 70_000 }, () => Math.floor(rand() * 256)), // incompressible: literals over 65536 bytes
    Buffer.from('abcdefgh'.repeat(20_000)),
  ];
  for (let k = 0; k < 60; k++) {
    const n = Math.floor(rand() * (k % 6 === 0 ? 200_000 : 5000));
    const alphabet = 1 + Math.floor(rand() * 30);
    const a = new Uint8Array(n);
    for (let i = 0; i < n; i++) a[i] = i > 70_000 && rand() < 0.2 ? a[i - 70_000]! : i > 50 && rand() < 0.3 ? a[i - 1 - Math.floor(rand() * 50)]! : Math.floor(rand() * alphabet);
    inputs.push(a);
  }
  for (const input of inputs) {
    const body = compressBlock(input);
    assert.ok(Buffer.from(uncompress(Buffer.from(body))).equals(Buffer.from(input)), `snappyjs, ${input.length} bytes`);
    assert.ok(Buffer.from(nativeUncompress(Buffer.from(body))).equals(Buffer.from(input)), `native, ${input.length} bytes`);
    assert.ok(body.length <= 32 + input.length + input.length / 6);
  }
});

test('a batch body stays valid while later batches are produced (no aliasing of the reused buffer)', () => {
  const drops = new DropCounter();
  const kept: Array<{ batch: Batch; copy: Buffer }> = [];
  for (const b of batches(prepareSeries(series(1000, 1), drops), { maxSamplesPerRequest: 100, maxBytesPerRequest: 1_000_000 }, drops)) kept.push({ batch: b, copy: Buffer.from(b.body) });
  assert.equal(kept.length, 10);
  for (const { batch, copy } of kept) assert.ok(Buffer.from(batch.body).equals(copy));
});

test('batches are produced lazily, pulling input only as far as needed', () => {
  let pulled = 0;
  function* source(): Generator<Series> {
    for (let i = 0; i < 1_000_000; i++) {
      pulled++;
      yield { labels: { __name__: 'lazy', i: String(i) }, samples: [{ value: i, timestampMs: 1 }] };
    }
  }
  const drops = new DropCounter();
  const it = batches(prepareEach(source(), drops), { maxSamplesPerRequest: 100, maxBytesPerRequest: 1_000_000 }, drops);
  const first = it.next();
  assert.equal(first.done, false);
  assert.equal(first.value?.samples, 100);
  assert.equal(first.value?.series[0]?.values[1], '0');
  assert.ok(pulled <= 101, `pulled ${pulled}`);
  it.next();
  assert.ok(pulled <= 201, `pulled ${pulled}`);
});

test('10^5 series go through with exact totals', () => {
  const drops = new DropCounter();
  const input = Array.from({ length: 100_000 }, (_, i) => ({
    labels: { __name__: 'many', i: String(i), ...(i % 1000 === 0 ? { bad: 'x'.repeat(1024) } : {}) },
    samples: [{ value: i, timestampMs: 1_700_000_000_000 + (i % 13) }],
  }));
  let samples = 0;
  let sum = 0;
  let requests = 0;
  for (const b of batches(prepareEach(input, drops), { maxSamplesPerRequest: 2000, maxBytesPerRequest: 1_000_000 }, drops)) {
    requests++;
    const decoded = decodeWriteRequestBody(b.body);
    for (const t of decoded.timeseries) for (const s of t.samples) {
      samples++;
      sum += s.value;
    }
  }
  const dropped = input.filter((_, i) => i % 1000 === 0);
  assert.equal(samples, 100_000 - dropped.length);
  assert.equal(sum, (99_999 * 100_000) / 2 - dropped.reduce((n, s) => n + s.samples[0]!.value, 0));
  assert.equal(requests, Math.ceil((100_000 - dropped.length) / 2000));
  assert.equal(drops.totalSamples, dropped.length);
});

test('metadata goes first in its own request and is halved when over the byte cap', () => {
  const metadata: MetricMetadata[] = Array.from({ length: 40 }, (_, i) => ({ name: `m${i}`, type: 'gauge', help: noise(i, 500) }));
  const drops = new DropCounter();
  const out = [...batches(prepareSeries(series(3, 1), drops), { maxSamplesPerRequest: 2000, maxBytesPerRequest: 8_000 }, drops, metadata)];
  const metaBatches = out.filter((b) => b.samples === 0);
  assert.ok(metaBatches.length > 1);
  assert.deepEqual(out.slice(0, metaBatches.length), metaBatches, 'metadata first');
  assert.deepEqual(metaBatches.flatMap((b) => decodeWriteRequestBody(b.body).metadata.map((m) => m.metricFamilyName)), metadata.map((m) => m.name));
  assert.equal(out.at(-1)?.samples, 3);
});

test('splitBatch halves between series, or between samples of a lone series, in order', () => {
  const drops = new DropCounter();
  const prepared: PreparedSeries[] = prepareSeries(series(5, 3), drops);
  const [a, b] = splitBatch(encodeBatch(prepared));
  assert.deepEqual([a?.series.length, b?.series.length], [3, 2]);
  const [c, d] = splitBatch(encodeBatch(prepared.slice(0, 1)));
  assert.deepEqual([c?.samples, d?.samples], [2, 1]);
  assert.deepEqual([...decodeWriteRequestBody(c!.body).timeseries[0]!.samples, ...decodeWriteRequestBody(d!.body).timeseries[0]!.samples].map((s) => s.timestampMs), [1_000_000, 1_000_001, 1_000_002]);
  assert.deepEqual(splitBatch(encodeBatch([{ ...prepared[0]!, samples: prepared[0]!.samples.slice(0, 1) }])), []);
});

let prom: PrometheusServer;
before(async () => {
  prom = await startPrometheus();
});
after(async () => {
  await prom?.stop();
});

async function post(body: Uint8Array): Promise<number> {
  const res = await fetch(prom.writeUrl, {
    method: 'POST',
    headers: { 'Content-Encoding': 'snappy', 'Content-Type': 'application/x-protobuf', 'X-Prometheus-Remote-Write-Version': '0.1.0', 'User-Agent': 'lakepulse-test/0' },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

test('a batch POSTed to a real Prometheus reads back exactly; a stale marker ends the series', async () => {
  const t = Math.floor(Date.now() / 1000) * 1000 - 120_000;
  const input: Series[] = [
    { labels: { job: 'rt', __name__: 'rw_roundtrip', kind: 'a', note: 'ünïcode ✓', dropped: '' }, samples: [{ value: 1.5, timestampMs: t }, { value: -2.25e10, timestampMs: t + 15_000 }, { value: 1.23e-4, timestampMs: t + 30_000 }] },
    { labels: { __name__: 'rw_roundtrip', job: 'rt', kind: 'b' }, samples: [{ value: Infinity, timestampMs: t }, { value: 1.797e308, timestampMs: t + 15_000 }] },
    { labels: { __name__: 'rw_roundtrip_stale', job: 'rt' }, samples: [{ value: 7, timestampMs: t }, { value: 0, timestampMs: t + 30_000, stale: true }] },
  ];
  const drops = new DropCounter();
  const out = [...batches(prepareSeries(input, drops), { maxSamplesPerRequest: 2000, maxBytesPerRequest: 1_000_000 }, drops)];
  assert.equal(out.length, 1);
  assert.equal(await post(out[0]!.body), 204);

  const raw = await prom.rawSamples('rw_roundtrip{kind="a"}', 600);
  assert.deepEqual(raw[0]?.metric, { __name__: 'rw_roundtrip', job: 'rt', kind: 'a', note: 'ünïcode ✓' });
  assert.deepEqual(raw[0]?.values.map(([ts, v]) => [Math.round(ts * 1000), Number(v)]), [[t, 1.5], [t + 15_000, -2.25e10], [t + 30_000, 1.23e-4]]);
  const b = await prom.rawSamples('rw_roundtrip{kind="b"}', 600);
  assert.deepEqual(b[0]?.values.map(([ts, v]) => [Math.round(ts * 1000), v]), [[t, '+Inf'], [t + 15_000, '1.797e+308']]);

  assert.equal((await prom.query('rw_roundtrip_stale', (t + 29_000) / 1000))[0]?.value[1], '7');
  assert.deepEqual(await prom.query('rw_roundtrip_stale', (t + 31_000) / 1000), [], 'without the marker the value would show for 5 minutes');
});

test('Prometheus accepts a full 2000-sample batch and counts every series', async () => {
  const t = Math.floor(Date.now() / 1000) * 1000 - 60_000;
  const input: Series[] = Array.from({ length: 4500 }, (_, i) => ({ labels: { __name__: 'rw_bulk', i: String(i), resource_id: `/subscriptions/x/resourceGroups/rg/providers/Microsoft.Synapse/workspaces/w${i % 3}` }, samples: [{ value: i, timestampMs: t }] }));
  const drops = new DropCounter();
  const out = [...batches(prepareEach(input, drops), { maxSamplesPerRequest: 2000, maxBytesPerRequest: 1_000_000 }, drops)];
  assert.deepEqual(out.map((x) => x.samples), [2000, 2000, 500]);
  for (const batch of out) assert.equal(await post(batch.body), 204);
  assert.equal((await prom.query('count(rw_bulk)', t / 1000 + 1))[0]?.value[1], '4500');
  assert.equal((await prom.query('sum(rw_bulk)', t / 1000 + 1))[0]?.value[1], String((4499 * 4500) / 2));
});
