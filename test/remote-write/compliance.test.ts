import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../lib/log';
import type { RemoteWriteConfig } from '../../lib/remote-write/config';
import { createRemoteWriter } from '../../lib/remote-write/sender';
import type { Series } from '../../lib/series';
import { strictReceiverForSuite } from '../support/strict-receiver';

/**
 * The remote-write 1.0 sender compliance checks (prometheus/compliance, RW1 cases at 916e9f7, plus the value and
 * label cases of the current suite), re-created against an in-process receiver that decodes independently.
 */
const rx = strictReceiverForSuite();

const cfg = (over: Partial<RemoteWriteConfig> = {}): RemoteWriteConfig => ({
  url: new URL(rx.url), auth: { kind: 'none' }, maxSamplesPerRequest: 2000, maxBytesPerRequest: 1_000_000, timeoutMs: 5000,
  maxRetryMs: 30_000, maxSampleAgeMs: 15 * 60_000, minBackoffMs: 10, maxBackoffMs: 100, headers: {}, sendMetadata: false, ...over,
});
const write = (series: Series[], over: Partial<RemoteWriteConfig> = {}, lanes = 1) => createRemoteWriter(cfg(over), { log: silentLogger, lanes }).write(series);
const now = Date.now();
const labelsOf = (i = 0) => rx.requests[i]!.decoded!.timeseries.map((t) => Object.fromEntries(t.labels.map((l) => [l.name, l.value])));

test('Headers: Content-Encoding, Content-Type, version and User-Agent; body is not framed snappy', async () => {
  await write([{ labels: { __name__: 'h' }, samples: [{ value: 1, timestampMs: now }] }]);
  const q = rx.requests[0]!;
  assert.deepEqual(q.violations, []);
  assert.equal(q.headers['content-encoding'], 'snappy');
  assert.equal(q.headers['content-type'], 'application/x-protobuf');
  assert.equal(q.headers['x-prometheus-remote-write-version'], '0.1.0');
  assert.match(q.headers['user-agent'] ?? '', /^lakepulse\/\d+\.\d+\.\d+$/);
});

test('SortedLabels, RepeatedLabels, EmptyLabels, NameLabel', async () => {
  await write([
    { labels: { __name__: 'sorted', b: '2', a: '1' }, samples: [{ value: 1, timestampMs: now }] },
    // A JS object cannot repeat a key: names that collide after normalisation or case folding are the repeats here.
    { labels: { __name__: 'repeated', a: '1', A: '1' }, samples: [{ value: 1, timestampMs: now }] },
    { labels: { __name__: 'repeated', 'a-b': '1', a_b: '2' }, samples: [{ value: 1, timestampMs: now }] },
    { labels: { __name__: 'empty', a: '' }, samples: [{ value: 1, timestampMs: now }] },
    { labels: { job: 'nameless' }, samples: [{ value: 1, timestampMs: now }] },
  ]);
  assert.deepEqual(rx.requests[0]!.violations, []);
  assert.deepEqual(labelsOf(), [{ __name__: 'sorted', a: '1', b: '2' }, { __name__: 'empty' }]);
  assert.deepEqual(rx.requests[0]!.decoded!.timeseries[0]!.labels.map((l) => l.name), ['__name__', 'a', 'b']);
});

test('Staleness: the exact IsStaleNaN bits', async () => {
  await write([{ labels: { __name__: 'stale' }, samples: [{ value: 1, timestampMs: now }, { value: 0, timestampMs: now + 1000, stale: true }] }]);
  const [live, marker] = rx.requests[0]!.decoded!.timeseries[0]!.samples;
  assert.equal(live?.value, 1);
  assert.equal(marker?.valueBits, '7ff0000000000002');
});

test('Samples: exact values and millisecond timestamps', async () => {
  const values = [123.45, 42, 0, -15.5, Infinity, -Infinity, NaN, 1.797e308, 2.2e-308, 1.23e-4];
  await write(values.map((v, i) => ({ labels: { __name__: 'value', i: String(i) }, samples: [{ value: v, timestampMs: now + i }] })));
  const got = rx.requests[0]!.decoded!.timeseries.map((t) => t.samples[0]!);
  got.forEach((s, i) => {
    if (Number.isNaN(values[i]!)) assert.ok(Number.isNaN(s.value) && !s.stale);
    else assert.equal(s.value, values[i]);
    assert.equal(s.timestampMs, now + i);
    assert.ok(s.timestampMs > 1e12 && s.timestampMs < 1e16 && Math.abs(s.timestampMs - Date.now()) < 5 * 60_000);
  });
  assert.ok(got[8]!.value > 0 && got[8]!.value < 1e-307);
  assert.ok(got[7]!.value > 1e307);
});

test('Edge cases: a 10 KB label value, a metric name over 100 characters, colons, unicode', async () => {
  const long = 'v'.repeat(1023);
  const name = `very_long_metric_name_${'x'.repeat(100)}:with:colons`;
  await write([{ labels: { __name__: name, big: long, u: 'Grüße ✓ 日本 "quoted" \\ back' }, samples: [{ value: 1, timestampMs: now }] }]);
  assert.deepEqual(labelsOf(), [{ __name__: name, big: long, u: 'Grüße ✓ 日本 "quoted" \\ back' }]);
  // 10 KB values exceed Azure's 1023-character limit: dropped and counted, not truncated.
  const r = await write([{ labels: { __name__: 'tenk', big: 'v'.repeat(10_240) }, samples: [{ value: 1, timestampMs: now }] }]);
  assert.deepEqual(r.samplesDropped, { label_value_too_long: 1 });
});

for (const lanes of [1, 4]) {
test(`Ordering: 1000 series through a receiver sleeping 0–50 ms per request keep strictly increasing timestamps (${lanes} lane${lanes > 1 ? 's' : ''})`, async () => {
  rx.decide = () => ({ status: 204, delayMs: Math.floor(Math.random() * 51) });
  const rounds = 3;
  const perRound = 3;
  for (let r = 0; r < rounds; r++) {
    // 149 samples per request: series straddle request boundaries inside one write too.
    const series = Array.from({ length: 1000 }, (_, i) => ({
      labels: { __name__: 'ordering', i: String(i) },
      samples: Array.from({ length: perRound }, (_, k) => ({ value: r * perRound + k, timestampMs: now + (r * perRound + k) * 1000 })),
    }));
    const result = await write(series, { maxSamplesPerRequest: 149 }, lanes);
    assert.equal(result.samplesSent, 1000 * perRound);
  }
  assert.ok(rx.requests.length >= (rounds * 1000 * perRound) / 149);
  assert.ok(rx.requests.every((q) => q.violations.length === 0));
  assert.equal(rx.accepted.size, 1000);
  for (const samples of rx.accepted.values()) {
    assert.equal(samples.length, rounds * perRound);
    for (let k = 1; k < samples.length; k++) assert.ok(samples[k]!.timestampMs > samples[k - 1]!.timestampMs);
    assert.deepEqual(samples.map((x) => x.value), Array.from({ length: rounds * perRound }, (_, k) => k));
  }
});
}

test('Backoff: each interval at least 0.8 of the previous one, at least 1 ms, at most 60 s', async () => {
  rx.decide = () => ({ status: 503 });
  // Steps large enough that scheduling noise on a busy machine (a few ms to tens of ms) cannot reorder them.
  await write([{ labels: { __name__: 'backoff' }, samples: [{ value: 1, timestampMs: Date.now() }] }], { minBackoffMs: 30, maxBackoffMs: 240, maxRetryMs: 1200 });
  const at = rx.requests.map((q) => q.atMs);
  assert.ok(at.length >= 6, `${at.length} attempts`);
  const intervals = at.slice(1).map((t, i) => t - at[i]!);
  for (let i = 0; i < intervals.length; i++) {
    assert.ok(intervals[i]! >= 1 && intervals[i]! <= 60_000);
    if (i > 0) assert.ok(intervals[i]! >= 0.8 * intervals[i - 1]! - 25, `interval ${intervals[i]} after ${intervals[i - 1]} (ms)`);
  }
  assert.ok(at.at(-1)! - at[0]! <= 1200 + 150, 'no attempt after the retry budget');
});

test('Retries500: the sample arrives later, exactly once; Retries400: never again', async () => {
  for (const status of [500, 502, 503, 504]) {
    rx.requests.length = 0;
    rx.accepted.clear();
    rx.script.push({ status });
    const r = await write([{ labels: { __name__: 'r5xx', status: String(status) }, samples: [{ value: status, timestampMs: now }] }]);
    assert.equal(rx.requests.length, 2, String(status));
    assert.deepEqual(rx.requests[1]!.decoded, rx.requests[0]!.decoded, 'the same sample, later');
    assert.deepEqual([...rx.accepted.values()], [[{ timestampMs: now, value: status, stale: false }]]);
    assert.equal(r.samplesRetried, 1);
  }
  for (const status of [400, 401, 404]) {
    rx.requests.length = 0;
    rx.script.push({ status });
    await write([{ labels: { __name__: 'r4xx' }, samples: [{ value: 1, timestampMs: now }] }]);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(rx.requests.length, 1, String(status));
  }
});
