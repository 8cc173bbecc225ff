import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RemoteWriteConfig } from '../../lib/remote-write/config';
import { createRemoteWriter, LaneHasher, type RemoteWriterDeps } from '../../lib/remote-write/sender';
import { memoryLogger } from '../../lib/log';
import type { Series } from '../../lib/series';
import { freePort } from '../support/ports';
import { strictReceiverForSuite } from '../support/strict-receiver';

const rx = strictReceiverForSuite();

function cfg(url: string, over: Partial<RemoteWriteConfig> = {}): RemoteWriteConfig {
  return {
    url: new URL(url), auth: { kind: 'none' }, maxSamplesPerRequest: 2000, maxBytesPerRequest: 1_000_000, timeoutMs: 2000,
    maxRetryMs: 60_000, maxSampleAgeMs: 15 * 60_000, minBackoffMs: 100, maxBackoffMs: 2000, headers: {}, sendMetadata: false, ...over,
  };
}

/** Records the waits instead of sleeping, so backoff schedules are exact and tests fast. */
function deps(extra: Partial<RemoteWriterDeps> = {}) {
  const waits: number[] = [];
  const log = memoryLogger();
  return { waits, log, deps: { log, sleep: async (ms: number) => void waits.push(ms), random: () => 0.5, ...extra } satisfies RemoteWriterDeps };
}

function batch(n: number, t = Date.now()): Series[] {
  return Array.from({ length: n }, (_, i) => ({ labels: { __name__: 'sender_test', i: String(i) }, samples: [{ value: i, timestampMs: t }] }));
}

test('status table: what is retried, what is resent, what is counted', async () => {
  const table: Array<{ status: number; retried: boolean }> = [
    { status: 200, retried: false }, { status: 204, retried: false }, { status: 400, retried: false }, { status: 401, retried: false }, { status: 403, retried: false }, { status: 404, retried: false },
    { status: 409, retried: false }, { status: 422, retried: false }, { status: 500, retried: true }, { status: 502, retried: true },
    { status: 503, retried: true }, { status: 504, retried: true }, { status: 429, retried: true },
  ];
  for (const { status, retried } of table) {
    rx.requests.length = 0;
    rx.accepted.clear();
    rx.script.push({ status, body: `nope ${status}` });
    const d = deps();
    const r = await createRemoteWriter(cfg(rx.url), d.deps).write(batch(3));
    if (status < 300) {
      assert.equal(rx.requests.length, 1);
      assert.equal(r.samplesSent, 3);
      assert.equal(r.samplesFailed + r.samplesRetried, 0);
      assert.deepEqual(d.log.lines, [], 'a success logs nothing');
    } else if (retried) {
      assert.equal(rx.requests.length, 2, `${status} is retried once then succeeds`);
      assert.equal(r.samplesSent, 3);
      assert.equal(r.samplesRetried, 3);
      assert.equal(r.samplesFailed, 0);
      assert.equal(rx.accepted.size, 3, `${status}: delivered exactly once`);
      assert.equal(rx.requests[1]!.headers['retry-attempt'], '1');
      const retryLines = d.log.lines.filter((l) => l.message === 'remote write retry');
      assert.equal(d.log.lines.length, 1, 'one log line for the one retry');
      assert.deepEqual({ ...retryLines[0]!.fields, error: undefined, endpoint: undefined }, { attempt: 1, delayMs: d.waits[0], status, samples: 3, error: undefined, endpoint: undefined });
    } else {
      assert.equal(rx.requests.length, 1, `${status} is never resent`);
      assert.equal(r.samplesFailed, 3);
      assert.equal(r.samplesSent, 0);
      assert.ok(r.errors[0]?.includes(`HTTP ${status}`) && r.errors[0].includes(`nope ${status}`), r.errors[0]);
      assert.deepEqual(r.undelivered, [], 'rejected samples are not kept for another try');
      const logged = d.log.lines.filter((l) => l.message === 'remote write rejected');
      assert.equal(logged.length, 1);
      assert.ok(String(logged[0]!.fields?.error).endsWith(`nope ${status}`));
    }
    for (const q of rx.requests) assert.deepEqual(q.violations, []);
  }
});

test('error bodies are logged verbatim up to 1 KiB', async () => {
  rx.script.push({ status: 400, body: 'E'.repeat(5000) });
  const d = deps();
  const r = await createRemoteWriter(cfg(rx.url), d.deps).write(batch(1));
  const logged = d.log.lines.find((l) => l.message === 'remote write rejected');
  assert.ok(logged);
  const err = String(logged.fields?.error);
  assert.equal((err.match(/E/g) ?? []).length, 1024);
  assert.equal(r.errors.length, 1);
});

test('5xx backoff doubles with jitter up to the cap, and stops at the retry deadline with exact counts', async () => {
  rx.decide = () => ({ status: 503 });
  let clock = Date.now();
  const d = deps({ now: () => clock, sleep: async (ms: number) => void (clock += ms, waitsOf.push(ms)) });
  const waitsOf: number[] = [];
  const r = await createRemoteWriter(cfg(rx.url, { maxRetryMs: 5000, minBackoffMs: 100, maxBackoffMs: 1000 }), d.deps).write(batch(5, clock));
  // random() = 0.5 and 20 % jitter → 0.9 × step: 90, 180, 360, 720, 900, 900, ...
  assert.deepEqual(waitsOf.slice(0, 6), [90, 180, 360, 720, 900, 900]);
  assert.ok(waitsOf.reduce((a, b) => a + b, 0) <= 5000, 'no wait ends past the deadline');
  assert.equal(r.samplesFailed, 5);
  assert.equal(r.samplesSent, 0);
  assert.equal(r.undelivered.length, 5, 'retryable failures are handed back to be kept');
  assert.equal(r.requests, rx.requests.length);
});

test('429 with Retry-After in seconds and as an HTTP date is honoured', async () => {
  rx.script.push({ status: 429, headers: { 'Retry-After': '2' } });
  const d1 = deps();
  await createRemoteWriter(cfg(rx.url), d1.deps).write(batch(1));
  assert.deepEqual(d1.waits, [2000]);
  const at = new Date(Date.now() + 4000).toUTCString();
  rx.script.push({ status: 503, headers: { 'Retry-After': at } });
  const d2 = deps();
  const r = await createRemoteWriter(cfg(rx.url), d2.deps).write(batch(1));
  assert.equal(r.samplesSent, 1);
  assert.ok(d2.waits[0]! > 2000 && d2.waits[0]! <= 4000, `waited ${d2.waits[0]}`);
});

test('a real wait: Retry-After 1 delays the retry by at least a second', async () => {
  rx.script.push({ status: 429, headers: { 'Retry-After': '1' } });
  const r = await createRemoteWriter(cfg(rx.url), { log: memoryLogger() }).write(batch(1));
  assert.equal(r.samplesSent, 1);
  assert.ok(rx.requests[1]!.atMs - rx.requests[0]!.atMs >= 990);
});

test('413 splits the batch in halves until it fits', async () => {
  rx.decide = (req) => ((req.decoded?.timeseries.length ?? 0) > 2 ? { status: 413 } : { status: 204 });
  const d = deps();
  const r = await createRemoteWriter(cfg(rx.url), d.deps).write(batch(8));
  assert.equal(r.samplesSent, 8);
  assert.equal(r.samplesFailed, 0);
  assert.equal(rx.accepted.size, 8);
  rx.decide = () => ({ status: 413 });
  const r2 = await createRemoteWriter(cfg(rx.url), deps().deps).write(batch(2));
  assert.deepEqual(r2.samplesDropped, { oversize: 2 });
});

test('network failures: connection refused, a receiver slower than the timeout, a socket closed mid-request', async () => {
  const closed = `http://127.0.0.1:${await freePort()}/api/v1/write`;
  const refused = await createRemoteWriter(cfg(closed, { maxRetryMs: 1000 }), deps().deps).write(batch(2));
  assert.equal(refused.samplesFailed, 2);
  assert.match(refused.errors[0] ?? '', /ECONNREFUSED/);

  rx.script.push({ status: 204, delayMs: 800 }, { status: 204 });
  const slow = await createRemoteWriter(cfg(rx.url, { timeoutMs: 200 }), deps().deps).write(batch(2));
  assert.equal(slow.samplesSent, 2);
  assert.equal(slow.samplesRetried, 2);
  assert.equal(rx.requests.length, 2);

  rx.requests.length = 0;
  rx.script.push({ destroy: true }, { status: 204 });
  const reset = await createRemoteWriter(cfg(rx.url), deps().deps).write(batch(2));
  assert.equal(reset.samplesSent, 2);
  assert.equal(rx.requests.length, 2);
});

test('once a batch is given up, later batches get one attempt each; a success resumes normal retries', async () => {
  rx.decide = () => ({ status: 503 });
  let clock = Date.now();
  const d = deps({ now: () => clock, sleep: async (ms: number) => void (clock += ms) });
  const r = await createRemoteWriter(cfg(rx.url, { maxSamplesPerRequest: 10, maxRetryMs: 1000 }), d.deps).write(batch(50, clock));
  assert.equal(r.samplesFailed, 50);
  assert.equal(r.undelivered.length, 50);
  const firstBatchAttempts = rx.requests.filter((q) => q.decoded?.timeseries[0]?.labels.some((l) => l.name === 'i' && l.value === '0')).length;
  assert.ok(firstBatchAttempts > 1);
  assert.equal(rx.requests.length, firstBatchAttempts + 4, 'the four later batches are tried once each');
});

test('samples that would be older than the age limit are dropped as too old, not retried forever', async () => {
  const old = Date.now() - 16 * 60_000;
  const r = await createRemoteWriter(cfg(rx.url), deps().deps).write(batch(3, old));
  assert.deepEqual(r.samplesDropped, { too_old: 3 });
  assert.equal(rx.requests.length, 0);
});

test('after success nothing is resent; invalid series are dropped and counted, the rest delivered', async () => {
  const input: Series[] = [...batch(3), { labels: { job: 'no-name' }, samples: [{ value: 1, timestampMs: Date.now() }] }];
  const w = createRemoteWriter(cfg(rx.url), deps().deps);
  const r = await w.write(input);
  assert.equal(r.samplesSent, 3);
  assert.deepEqual(r.samplesDropped, { missing_metric_name: 1 });
  assert.equal(rx.requests.length, 1);
  await w.write([]);
  assert.equal(rx.requests.length, 1, 'an empty write sends nothing');
});

test('reserved headers cannot be overridden', () => {
  for (const h of ['Content-Encoding', 'user-agent', 'X-Prometheus-Remote-Write-Version', 'Authorization']) {
    assert.throws(() => createRemoteWriter(cfg(rx.url, { headers: { [h]: 'x' } }), deps().deps), /reserved/);
  }
});

test('a Retry-After above maxBackoffMs is honoured within the retry budget; one beyond it gives up at once', async () => {
  rx.script.push({ status: 503, headers: { 'Retry-After': '10' } });
  const d1 = deps();
  const r1 = await createRemoteWriter(cfg(rx.url, { maxBackoffMs: 2000, maxRetryMs: 60_000 }), d1.deps).write(batch(2));
  assert.deepEqual(d1.waits, [10_000]);
  assert.equal(r1.samplesSent, 2);

  rx.requests.length = 0;
  rx.script.push({ status: 429, headers: { 'Retry-After': '120' } });
  const d2 = deps();
  const r2 = await createRemoteWriter(cfg(rx.url, { maxRetryMs: 60_000 }), d2.deps).write(batch(2));
  assert.deepEqual(d2.waits, [], 'no wait that would end past the deadline');
  assert.equal(rx.requests.length, 1);
  assert.equal(r2.samplesFailed, 2);
  assert.equal(r2.undelivered.length, 2);
});

test('given-up samples come back exactly as undelivered series, in order', async () => {
  rx.decide = () => ({ status: 500, body: 'down\nfor maintenance' });
  const t = Date.now();
  const input: Series[] = [
    { labels: { __name__: 'u', b: '2', a: '1' }, samples: [{ value: 1, timestampMs: t - 2000 }, { value: 2, timestampMs: t - 1000 }] },
    { labels: { __name__: 'u', a: '2' }, samples: [{ value: 3, timestampMs: t }] },
  ];
  let clock = t;
  const d = deps({ now: () => clock, sleep: async (ms: number) => void (clock += ms) });
  const r = await createRemoteWriter(cfg(rx.url, { maxRetryMs: 3000 }), d.deps).write(input);
  assert.equal(r.samplesFailed, 3);
  assert.equal(r.samplesSent, 0);
  assert.equal(r.samplesRetried, 3 * (rx.requests.length - 1), 'every retry re-sent all three samples');
  assert.deepEqual(r.undelivered.map((s) => ({ labels: { ...s.labels }, samples: s.samples })), [
    { labels: { __name__: 'u', a: '1', b: '2' }, samples: input[0]!.samples },
    { labels: { __name__: 'u', a: '2' }, samples: input[1]!.samples },
  ]);
  assert.deepEqual(r.errors, [`HTTP 500 from ${new URL(rx.url).host}: down for maintenance`], 'one printable line');
  assert.equal(d.log.lines.filter((l) => l.message === 'remote write gave up').length, 1);
  assert.equal(d.log.lines.length, rx.requests.length, 'one line per attempt: a retry line each, then the give-up line');
});

test('only the samples past the age limit are dropped; samples that age out while retrying are dropped too old', async () => {
  const t = Date.now();
  const maxAge = 15 * 60_000;
  const mixed: Series[] = [{ labels: { __name__: 'aging' }, samples: [{ value: 1, timestampMs: t - maxAge - 1 }, { value: 2, timestampMs: t - maxAge + 60_000 }, { value: 3, timestampMs: t }] }];
  const r1 = await createRemoteWriter(cfg(rx.url), deps({ now: () => t }).deps).write(mixed);
  assert.deepEqual(r1.samplesDropped, { too_old: 1 });
  assert.deepEqual(r1.seriesDropped, {}, 'the series itself is kept');
  assert.equal(r1.samplesSent, 2);
  assert.deepEqual(rx.accepted.get('__name__=aging')?.map((x) => x.value), [2, 3]);

  // The receiver answers 503 with Retry-After 40 s; the first sample is 14 min 30 s old, the second 13 min: after
  // one wait the first is too old and is left out of the retry; the second goes through.
  rx.requests.length = 0;
  rx.accepted.clear();
  rx.script.push({ status: 503, headers: { 'Retry-After': '40' } });
  let clock = t;
  const d = deps({ now: () => clock, sleep: async (ms: number) => void (clock += ms) });
  const aging: Series[] = [{ labels: { __name__: 'aging2' }, samples: [{ value: 1, timestampMs: t - maxAge + 30_000 }, { value: 2, timestampMs: t - 13 * 60_000 }] }];
  const r2 = await createRemoteWriter(cfg(rx.url, { maxRetryMs: 120_000 }), d.deps).write(aging);
  assert.deepEqual(r2.samplesDropped, { too_old: 1 });
  assert.equal(r2.samplesSent, 1);
  assert.deepEqual(rx.requests.map((q) => q.decoded!.timeseries[0]!.samples.length), [2, 1]);

  // When every sample would be too old before the retry could start, nothing is retried: dropped as too old.
  rx.requests.length = 0;
  rx.script.push({ status: 503, headers: { 'Retry-After': '60' } });
  clock = t;
  const d3 = deps({ now: () => clock, sleep: async (ms: number) => void (clock += ms) });
  const r3 = await createRemoteWriter(cfg(rx.url), d3.deps).write([{ labels: { __name__: 'aging3' }, samples: [{ value: 1, timestampMs: t - maxAge + 30_000 }] }]);
  assert.deepEqual(d3.waits, []);
  assert.equal(rx.requests.length, 1);
  assert.deepEqual(r3.samplesDropped, { too_old: 1 });
  assert.equal(r3.samplesFailed, 0);
  assert.deepEqual(r3.undelivered, [], 'too old for the next run as well');
});

for (const lanes of [1, 3]) {
test(`an aborted write stops sending and returns everything undelivered (${lanes} lane${lanes > 1 ? 's' : ''})`, async () => {
  rx.decide = () => ({ status: 204, delayMs: 50 });
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error('invocation deadline')), 120);
  const r = await createRemoteWriter(cfg(rx.url, { maxSamplesPerRequest: 10 }), { ...deps().deps, lanes }).write(batch(100), [], controller.signal);
  // 10 requests of 50 ms each: sequentially about 2 are done at 120 ms; in 3 lanes about 6.
  assert.ok(r.samplesSent > 0 && r.samplesSent < 100, `sent ${r.samplesSent}`);
  assert.equal(r.samplesSent + r.samplesFailed, 100);
  assert.equal(r.undelivered.reduce((n, s) => n + s.samples.length, 0), r.samplesFailed);
  assert.match(r.errors[0] ?? '', /aborted: invocation deadline/);
  // The receiver may still answer the requests in flight at the abort (at-least-once delivery): let that happen,
  // then nothing is lost, and only those requests (one per lane) can be both accepted and handed back.
  await new Promise((resolve) => setTimeout(resolve, 150));
  const accepted = new Set([...rx.accepted.keys()]);
  const handedBack = new Set(r.undelivered.map((s) => `__name__=sender_test,i=${s.labels.i}`));
  for (let i = 0; i < 100; i++) assert.ok(accepted.has(`__name__=sender_test,i=${i}`) || handedBack.has(`__name__=sender_test,i=${i}`), `series ${i} lost`);
  const both = [...handedBack].filter((k) => accepted.has(k)).length;
  assert.ok(both <= lanes * 10, `${both} series both accepted and handed back`);
});
}

test('under random faults every sample is accounted exactly once and nothing accepted twice', async () => {
  // A seeded generator (mulberry32) so a failure can be replayed.
  let seed = 0x5eed;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let round = 0; round < 5; round++) {
    rx.requests.length = 0;
    rx.accepted.clear();
    rx.decide = () => {
      const r = random();
      if (r < 0.55) return { status: 204 };
      if (r < 0.7) return { status: 500 };
      if (r < 0.75) return { status: 429, headers: { 'Retry-After': '0' } };
      if (r < 0.85) return { status: 413 };
      if (r < 0.9) return { status: 400 };
      return { destroy: true };
    };
    const t = Date.now();
    const input: Series[] = Array.from({ length: 200 }, (_, i) => ({
      labels: { __name__: 'faults', i: String(i), round: String(round) },
      samples: Array.from({ length: 1 + (i % 4) }, (_, k) => ({ value: k, timestampMs: t - 3000 + k * 1000 })),
    }));
    const total = input.reduce((n, s) => n + s.samples.length, 0);
    let clock = t;
    const d = deps({ now: () => clock, sleep: async (ms: number) => void (clock += ms), random });
    const r = await createRemoteWriter(cfg(rx.url, { maxSamplesPerRequest: 37, maxRetryMs: 2000 }), { ...d.deps, lanes: 1 + (round % 3) }).write(input);
    const dropped = Object.values(r.samplesDropped).reduce((a, b) => a + b, 0);
    assert.equal(r.samplesSent + r.samplesFailed + dropped, total, `round ${round}: ${JSON.stringify({ ...r, undelivered: r.undelivered.length })}`);
    const ours = [...rx.accepted].filter(([key]) => key.startsWith('__name__=faults,')).map(([, list]) => list);
    const acceptedSamples = ours.reduce((n, list) => n + list.length, 0);
    assert.equal(acceptedSamples, r.samplesSent, 'what was counted sent is exactly what the receiver accepted');
    for (const list of ours) assert.equal(new Set(list.map((x) => x.timestampMs)).size, list.length, 'no sample accepted twice');
    const undelivered = r.undelivered.reduce((n, s) => n + s.samples.length, 0);
    assert.ok(undelivered <= r.samplesFailed);
    assert.equal(r.requests, rx.requests.length);
    for (const q of rx.requests) assert.deepEqual(q.violations, []);
  }
});

test('TYPE/HELP metadata is sent only when REMOTE_WRITE_SEND_METADATA asks for it', async () => {
  const metadata = [{ name: 'sender_test', type: 'gauge' as const, help: 'A test gauge.' }];
  await createRemoteWriter(cfg(rx.url), deps().deps).write(batch(2), metadata);
  assert.deepEqual(rx.requests.flatMap((q) => q.decoded?.metadata ?? []), []);
  rx.requests.length = 0;
  const r = await createRemoteWriter(cfg(rx.url, { sendMetadata: true }), deps().deps).write(batch(2), metadata);
  assert.equal(r.samplesSent, 2);
  assert.deepEqual(rx.requests.flatMap((q) => q.decoded?.metadata ?? []), [{ type: 2, metricFamilyName: 'sender_test', help: 'A test gauge.', unit: '' }]);
});

test('a receiver refusing every batch: ONE error line with the batches and samples, not one per batch', async () => {
  rx.requests.length = 0;
  rx.decide = () => ({ status: 403, body: 'denied' });
  const d = deps();
  const writer = createRemoteWriter(cfg(rx.url, { maxSamplesPerRequest: 10 }), { ...d.deps, lanes: 3 });
  const r = await writer.write(batch(95));
  rx.decide = undefined;
  assert.equal(r.samplesFailed, 95);
  assert.ok(rx.requests.length >= 10);
  const errors = d.log.lines.filter((l) => l.level === 'error');
  assert.equal(errors.length, 1, JSON.stringify(d.log.lines));
  assert.equal(errors[0]!.message, 'remote write rejected');
  assert.deepEqual({ ...errors[0]!.fields, error: undefined }, { status: 403, batches: rx.requests.length, samples: 95, endpoint: new URL(rx.url).host, error: undefined });
  assert.equal(r.errors.length, 1, 'one printable line in the result too');
});

test('deferFailureLog sums the failures of several writes into one line at logFailures()', async () => {
  rx.requests.length = 0;
  rx.decide = () => ({ status: 400, body: `bad batch ${Math.random()}` });
  const d = deps();
  const writer = createRemoteWriter(cfg(rx.url, { maxSamplesPerRequest: 5 }), { ...d.deps, deferFailureLog: true });
  await writer.write(batch(12));
  await writer.write(batch(3));
  rx.decide = undefined;
  assert.equal(d.log.lines.length, 0, 'nothing logged until logFailures()');
  writer.logFailures();
  assert.equal(d.log.lines.length, 1, 'bodies differ per batch, the cause (HTTP 400) is one');
  assert.deepEqual({ ...d.log.lines[0]!.fields, error: undefined }, { status: 400, batches: 4, samples: 15, endpoint: new URL(rx.url).host, error: undefined });
  assert.match(String(d.log.lines[0]!.fields?.error), /^HTTP 400 from [^:]+:\d+: bad batch /, 'the first body, verbatim');
  writer.logFailures();
  assert.equal(d.log.lines.length, 1, 'logged once');
});

test('a label set keeps its lane whatever came before it, and every metric of one entity shares it', () => {
  const names = ['__name__', 'executor_id', 'job'];
  const set = (name: string, executor: string, job = 'j') => ({ names, values: [name, executor, job], samples: [] });
  const alone = (s: ReturnType<typeof set>) => new LaneHasher(4).laneOf(s);
  const hasher = new LaneHasher(4);
  const seen = new Set<number>();
  const input = [];
  for (let e = 0; e < 50; e++) for (const m of ['m_a', 'm_b', 'm_c']) input.push(set(m, String(e), e % 2 ? 'j' : 'k'));
  // Values that differ only in one character, and the same label sets again in another order.
  input.push(set('m_a', '10', 'j'), set('m_a', '11', 'j'), set('m_a', '10', 'k'), ...input.slice().reverse());
  for (const s of input) {
    const lane = hasher.laneOf(s);
    assert.equal(lane, alone(s), s.values.join(','));
    seen.add(lane);
    assert.equal(lane, alone(set('other_metric', s.values[1]!, s.values[2]!)), 'the metric name does not choose the lane');
  }
  assert.equal(seen.size, 4, 'every lane is used');
});
