import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, isRecoverable, isRecoverableNetworkError, networkErrorCode, parseRetryAfter, withRetries, type AttemptOutcome } from '../../lib/remote-write/retry';

test('isRecoverable: 5xx and 429 are retried, every other status is not', () => {
  for (const status of [500, 501, 502, 503, 504, 599, 429]) assert.equal(isRecoverable(status), true, String(status));
  for (const status of [200, 204, 301, 400, 401, 403, 404, 408, 409, 413, 415, 422, 499, 600]) assert.equal(isRecoverable(status), false, String(status));
});

test('parseRetryAfter: delta-seconds and HTTP dates in ms from now; anything else undefined', () => {
  const now = Date.UTC(2026, 10, 22, 12, 0, 0);
  const table: Array<[string | null | undefined, number | undefined]> = [
    ['0', 0],
    ['1', 1000],
    [' 120 ', 120_000],
    ['Sun, 22 Nov 2026 12:00:05 GMT', 5000],
    ['Sunday, 22-Nov-26 12:00:30 GMT', 30_000], // RFC 850, still allowed by HTTP
    ['Sun Nov 22 12:01:00 2026', NaN], // asctime: no zone, read as local time (checked below)
    ['Sun, 22 Nov 2026 11:00:00 GMT', 0], // in the past: retry at once
    ['-1', undefined],
    ['1.5', undefined],
    ['', undefined],
    ['soon', undefined],
    ['Mon, 99 Foo 2026 99:99:99 GMT', undefined],
    ['12abc', undefined],
    [null, undefined],
    [undefined, undefined],
  ];
  for (const [header, expected] of table) {
    if (header === 'Sun Nov 22 12:01:00 2026') {
      // asctime has no zone; Date.parse reads it as local time, so compare with the same reading.
      assert.equal(parseRetryAfter(header, now), Math.max(0, new Date(2026, 10, 22, 12, 1, 0).getTime() - now));
      continue;
    }
    assert.equal(parseRetryAfter(header, now), expected, JSON.stringify(header));
  }
});

test('network error codes: found inside fetch\'s wrapped causes; recoverable only when listed', () => {
  const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) });
  assert.equal(networkErrorCode(refused), 'ECONNREFUSED');
  assert.equal(isRecoverableNetworkError(refused), true);
  const socket = new TypeError('fetch failed', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
  assert.equal(isRecoverableNetworkError(socket), true);
  const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
  assert.equal(networkErrorCode(timeout), 'TIMEOUT_ERR');
  assert.equal(isRecoverableNetworkError(timeout), true);
  const tls = new TypeError('fetch failed', { cause: Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }) });
  assert.equal(isRecoverableNetworkError(tls), false);
  assert.equal(isRecoverableNetworkError(new Error('no code at all')), false);
});

test('backoff doubles from min to max; jitter takes off at most its fraction', () => {
  // random() = 0 → no jitter: the plain schedule.
  const plain = new Backoff({ minMs: 100, maxMs: 1000, random: () => 0 });
  assert.deepEqual(Array.from({ length: 7 }, () => plain.nextDelayMs()), [100, 200, 400, 800, 1000, 1000, 1000]);
  // random() → 1 with 20 % jitter: 80 % of each step.
  const low = new Backoff({ minMs: 100, maxMs: 1000, random: () => 0.999999, jitter: 0.2 });
  assert.deepEqual(Array.from({ length: 5 }, () => low.nextDelayMs()), [80, 160, 320, 640, 800]);
  // A sequence of randoms gives each step its own factor.
  const rs = [0.5, 0.25, 0];
  const mixed = new Backoff({ minMs: 1000, maxMs: 10_000, random: () => rs.shift()!, jitter: 0.5 });
  assert.deepEqual([mixed.nextDelayMs(), mixed.nextDelayMs(), mixed.nextDelayMs()], [1000 * 0.75, 2000 * 0.875, 4000]);
  plain.reset();
  assert.equal(plain.nextDelayMs(), 100);
});

test('Retry-After is clamped to [min, maxRetryAfterMs] (default max)', () => {
  const b = new Backoff({ minMs: 100, maxMs: 1000, random: () => 0 });
  assert.equal(b.useRetryAfter(0), 100);
  assert.equal(b.useRetryAfter(700), 700);
  assert.equal(b.useRetryAfter(60_000), 1000);
  const generous = new Backoff({ minMs: 100, maxMs: 1000, maxRetryAfterMs: 30_000, random: () => 0 });
  assert.equal(generous.useRetryAfter(20_000), 20_000);
  assert.equal(generous.useRetryAfter(90_000), 30_000);
});

/** A fake clock whose sleep just moves time on. */
function clock(start = 1_000_000) {
  const t = { now: start, waits: [] as number[] };
  return { t, now: () => t.now, sleep: async (ms: number) => void (t.waits.push(ms), (t.now += ms)) };
}

test('withRetries stops at the first outcome that needs no retry', async () => {
  const c = clock();
  const outcomes: AttemptOutcome<string>[] = [{ retry: true, value: 'a' }, { retry: true, value: 'b', retryAfterMs: 3000 }, { retry: false, value: 'ok' }];
  const seen: number[] = [];
  const r = await withRetries(async (n) => (seen.push(n), outcomes[n]!), { deadlineMs: c.t.now + 60_000, backoff: new Backoff({ minMs: 100, maxMs: 1000, random: () => 0 }), now: c.now, sleep: c.sleep });
  assert.deepEqual(r, { value: 'ok', attempts: 3, gaveUp: false });
  assert.deepEqual(seen, [0, 1, 2]);
  assert.deepEqual(c.t.waits, [100, 1000], 'Retry-After 3 s clamped to maxMs by default');
});

test('withRetries never starts a wait that would end past the deadline', async () => {
  for (const budget of [0, 99, 100, 299, 300, 1234, 5000, 12_345]) {
    const c = clock();
    const start = c.t.now;
    const retries: number[] = [];
    const r = await withRetries(async () => ({ retry: true, value: 'down' }), {
      deadlineMs: start + budget,
      backoff: new Backoff({ minMs: 100, maxMs: 1000, random: () => 0 }),
      now: c.now,
      sleep: c.sleep,
      onRetry: ({ attempt, delayMs }) => retries.push(attempt, delayMs),
    });
    assert.equal(r.gaveUp, true);
    assert.ok(c.t.now <= start + budget, `budget ${budget}: ended at +${c.t.now - start}`);
    // Independently: the plain schedule 100, 200, 400, 800, 1000, ... fits as many waits as their running sum allows.
    let sum = 0;
    let expected = 0;
    for (let step = 100; sum + step <= budget; step = Math.min(1000, step * 2)) {
      sum += step;
      expected++;
    }
    assert.equal(c.t.waits.length, expected, `budget ${budget}`);
    assert.equal(r.attempts, expected + 1);
    assert.equal(retries.length, expected * 2, 'onRetry once per wait');
  }
});

test('withRetries gives up at once when the server asks for a wait beyond the deadline', async () => {
  const c = clock();
  const r = await withRetries(async () => ({ retry: true, value: 429, retryAfterMs: 120_000 }), {
    deadlineMs: c.t.now + 60_000,
    backoff: new Backoff({ minMs: 100, maxMs: 1000, maxRetryAfterMs: 60_000 * 10, random: () => 0 }),
    now: c.now,
    sleep: c.sleep,
  });
  assert.deepEqual(r, { value: 429, attempts: 1, gaveUp: true });
  assert.deepEqual(c.t.waits, []);
});

test('withRetries ends with the abort reason when the signal aborts', async () => {
  const c = clock();
  const controller = new AbortController();
  let calls = 0;
  await assert.rejects(
    withRetries(async () => {
      calls++;
      controller.abort(new Error('invocation deadline'));
      return { retry: true, value: 0 };
    }, { deadlineMs: c.t.now + 60_000, backoff: new Backoff({ minMs: 10, maxMs: 10 }), now: c.now, sleep: c.sleep, signal: controller.signal }),
    /invocation deadline/,
  );
  assert.equal(calls, 1);
});
