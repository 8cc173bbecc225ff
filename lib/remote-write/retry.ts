/**
 * Retry policy: which failures are worth another attempt, and how long to wait. Knows nothing about remote write.
 */

/** 5xx and 429 are retried; every other 4xx is the sender's fault and never retried. */
export function isRecoverable(status: number): boolean {
  return status >= 500 || status === 429;
}

/** `Retry-After` as seconds or an HTTP date → milliseconds from `nowMs`; undefined for anything else. */
export function parseRetryAfter(header: string | null | undefined, nowMs: number): number | undefined {
  if (header === null || header === undefined) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  if (!/[a-z]/i.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * Capped exponential backoff with jitter: each delay is the current step times a random factor in [1 - jitter, 1],
 * the step doubling from `minMs` up to `maxMs`. A server's Retry-After replaces the step, clamped to [minMs, capMs].
 */
export class Backoff {
  private stepMs: number;
  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
    private readonly jitter = 0.2,
  ) {
    this.stepMs = minMs;
  }

  nextDelayMs(): number {
    const delay = this.stepMs * (1 - this.jitter * this.random());
    this.stepMs = Math.min(this.maxMs, this.stepMs * 2);
    return Math.round(delay);
  }

  /** The server said when to come back: honour it (at least minMs, at most capMs). */
  useRetryAfter(ms: number, capMs: number): number {
    return Math.round(Math.min(Math.max(ms, this.minMs), capMs));
  }

  reset(): void {
    this.stepMs = this.minMs;
  }
}

/** Resolves after `ms`, or rejects when `signal` aborts. */
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
