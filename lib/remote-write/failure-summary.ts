import type { Logger } from '../log';

/** One cause of failure, summed over the batches it took. */
export interface FailureCause {
  /** The log message: `remote write rejected`, `remote write gave up`, ... */
  message: string;
  status?: number;
  /** The first batch's error text (worded cause, then the receiver's body). */
  error: string;
  batches: number;
  samples: number;
}

/**
 * Remote-write failures summed by cause (log message plus HTTP status, or the error text when there is none), so a
 * receiver refusing every batch is ONE log line with the batches and samples it took, not one line per batch
 * (VictoriaMetrics throttles its logger for the same reason).
 */
export class FailureSummary {
  private readonly causes = new Map<string, FailureCause>();

  /** Adds one batch; returns the cause's key (the same for every batch failing the same way). */
  add(message: string, error: string, samples: number, status?: number): string {
    const key = `${message}\u0000${status ?? error}`;
    const cause = this.causes.get(key);
    if (cause) {
      cause.batches += 1;
      cause.samples += samples;
    } else this.causes.set(key, { message, error, batches: 1, samples, ...(status !== undefined ? { status } : {}) });
    return key;
  }

  /** One error line per cause, then forgets them. */
  flush(log: Logger, endpoint: string): void {
    for (const c of this.causes.values()) {
      log.error(c.message, { ...(c.status !== undefined ? { status: c.status } : {}), batches: c.batches, samples: c.samples, endpoint, error: c.error });
    }
    this.causes.clear();
  }
}
