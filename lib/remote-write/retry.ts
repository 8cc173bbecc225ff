/**
 * Retry policy: which failures are worth another attempt, how long to wait, and a generic loop that never waits past
 * a deadline. Knows nothing about remote write or HTTP bodies (as Prometheus' sendWriteRequestWithBackoff).
 */

/** 5xx and 429 are retried; every other 4xx is the sender's fault and never retried (RW 1.0). */
export function isRecoverable(status: number): boolean {
  return (status >= 500 && status <= 599) || status === 429;
}

/**
 * Network error codes worth another attempt (as undici's RetryHandler `errorCodes`). `ABORT_ERR` is our own
 * per-request timeout; a caller's abort is never retried (checked before this list is consulted).
 */
export const RECOVERABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN',
  'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED', 'ABORT_ERR', 'TIMEOUT_ERR',
]);

/** The most specific code of a (possibly wrapped, as fetch's `TypeError: fetch failed`) network error. */
export function networkErrorCode(err: unknown): string | undefined {
  let found: string | undefined;
  for (let e: unknown = err, depth = 0; e !== null && typeof e === 'object' && depth < 5; depth++) {
    const { code, name } = e as { code?: unknown; name?: unknown };
    if (typeof code === 'string') found = code;
    else if (name === 'TimeoutError') found = 'TIMEOUT_ERR';
    else if (name === 'AbortError') found = 'ABORT_ERR';
    e = (e as { cause?: unknown }).cause;
  }
  return found;
}

export function isRecoverableNetworkError(err: unknown): boolean {
  const code = networkErrorCode(err);
  return code !== undefined && RECOVERABLE_NETWORK_CODES.has(code);
}

/**
 * `Retry-After` as delta-seconds or an HTTP date → milliseconds from `nowMs` (a date in the past → 0);
 * undefined for anything else (empty, negative, fractional, garbage).
 */
export function parseRetryAfter(header: string | null | undefined, nowMs: number): number | undefined {
  if (header === null || header === undefined) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) {
    const seconds = Number(value);
    return Number.isSafeInteger(seconds * 1000) ? seconds * 1000 : undefined;
  }
  // An HTTP date always names a weekday or month; this keeps Date.parse from accepting bare numbers like "1.5".
  if (!/^[A-Za-z]{3,9},? /.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

export interface BackoffOptions {
  /** First delay before jitter, ms. */
  minMs: number;
  /** Largest computed delay before jitter, ms. */
  maxMs: number;
  /**
   * Largest server-requested delay honoured, ms. Default `maxMs`. The sender passes its retry budget here: a server
   * that says "come back in 30 s" is obeyed even above `maxMs` (retrying sooner only burns quota), and `withRetries`
   * gives up instead when that wait would end past the deadline.
   */
  maxRetryAfterMs?: number;
  /** Fraction of each delay taken off at random: delay = step × (1 − jitter × random()). Default 0.2. */
  jitter?: number;
  /** In [0, 1); injected for deterministic tests. Default Math.random. */
  random?: () => number;
}

/**
 * Capped exponential backoff with jitter (as VictoriaMetrics' BackoffTimer): the step doubles from `minMs` up to
 * `maxMs`; each delay is the step less up to `jitter` of it, so a crowd of senders spreads out but never waits longer
 * than the step.
 */
export class Backoff {
  private stepMs: number;
  private readonly minMs: number;
  private readonly maxMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly jitter: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions) {
    this.minMs = Math.max(0, options.minMs);
    this.maxMs = Math.max(this.minMs, options.maxMs);
    this.maxRetryAfterMs = Math.max(this.minMs, options.maxRetryAfterMs ?? this.maxMs);
    this.jitter = Math.min(1, Math.max(0, options.jitter ?? 0.2));
    this.random = options.random ?? Math.random;
    this.stepMs = this.minMs;
  }

  /** The next delay, then doubles the step (up to maxMs). */
  nextDelayMs(): number {
    const delay = Math.round(this.stepMs * (1 - this.jitter * this.random()));
    this.stepMs = Math.min(this.maxMs, this.stepMs * 2);
    return delay;
  }

  /** A server's Retry-After, clamped to [minMs, maxRetryAfterMs]; also advances the step as a computed delay would. */
  useRetryAfter(ms: number): number {
    this.stepMs = Math.min(this.maxMs, this.stepMs * 2);
    return Math.round(Math.min(Math.max(ms, this.minMs), this.maxRetryAfterMs));
  }

  reset(): void {
    this.stepMs = this.minMs;
  }
}

/** One attempt's verdict: finished (success or a failure not worth retrying), or worth another try. */
export type AttemptOutcome<T> = { retry: false; value: T } | { retry: true; value: T; retryAfterMs?: number };

export interface RetryOptions<T> {
  /** Epoch ms after which no attempt may start: a wait that would end later is never begun. */
  deadlineMs: number;
  backoff: Backoff;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  now: () => number;
  signal?: AbortSignal;
  /** Called before each wait (e.g. to log and count the retry). */
  onRetry?: (info: { attempt: number; delayMs: number; value: T }) => void;
}

export interface RetryResult<T> {
  /** The last attempt's value. */
  value: T;
  /** Attempts made (≥ 1). */
  attempts: number;
  /** True when the last attempt wanted a retry but the deadline (or the caller's signal) left no room for one. */
  gaveUp: boolean;
}

/**
 * Calls `attempt(n)` (n = 0, 1, 2, ...) until it finishes, waiting between tries for the server's Retry-After or the
 * next backoff delay. Gives up, without waiting, when the wait would end past `deadlineMs`; an aborted signal ends
 * the loop by rejecting with its reason.
 */
export async function withRetries<T>(attempt: (n: number) => Promise<AttemptOutcome<T>>, options: RetryOptions<T>): Promise<RetryResult<T>> {
  for (let n = 0; ; n++) {
    options.signal?.throwIfAborted();
    const outcome = await attempt(n);
    if (!outcome.retry) return { value: outcome.value, attempts: n + 1, gaveUp: false };
    const delayMs = outcome.retryAfterMs !== undefined ? options.backoff.useRetryAfter(outcome.retryAfterMs) : options.backoff.nextDelayMs();
    if (options.now() + delayMs > options.deadlineMs) return { value: outcome.value, attempts: n + 1, gaveUp: true };
    options.onRetry?.({ attempt: n + 1, delayMs, value: outcome.value });
    await options.sleep(delayMs, options.signal);
  }
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
