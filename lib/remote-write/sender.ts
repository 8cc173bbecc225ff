import type { TokenCredential } from '@azure/identity';
import type { Logger } from '../log';
import type { MetricMetadata, Series } from '../series';
import { authorizationHeader } from './auth';
import { batches, splitBatch, type Batch } from './batch';
import { createClient } from './client';
import type { RemoteWriteConfig } from './config';
import { WriteRequestEncoder } from './encode';
import { DropCounter, prepareEach, reasonOversize, reasonTooOld, type PreparedSeries } from './labels';
import { Backoff, sleep as realSleep } from './retry';

/** Everything one write() did, named by outcome as Prometheus' queue manager counts it. */
export interface WriteResult {
  samplesSent: number;
  samplesFailed: number;
  samplesRetried: number;
  /** Dropped before or instead of sending, by reason (label hygiene, oversize, too old). */
  samplesDropped: Record<string, number>;
  seriesDropped: Record<string, number>;
  requests: number;
  bytesSent: number;
  /** Series whose samples hit retryable failures until the deadline; the caller may keep them for the next run. */
  undelivered: Series[];
  /** One line per distinct failure, safe to print. */
  errors: string[];
}

export interface RemoteWriter {
  write(series: readonly Series[], metadata?: readonly MetricMetadata[], signal?: AbortSignal): Promise<WriteResult>;
}

export interface RemoteWriterDeps {
  log: Logger;
  credential?: TokenCredential;
  fetch?: typeof fetch;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

/**
 * Hygiene and batching are lazy, so memory is bounded by one batch, not by the input. Series with the same label set
 * must be merged by the caller (see mergeSeries in lib/series.ts).
 * Hygiene → lazy batches → one request at a time, in order, so each series' samples arrive in timestamp order.
 * 5xx, 429 and network errors are retried with capped exponential backoff and jitter (Retry-After honoured) until
 * `maxRetryMs` after the batch's first attempt or until its oldest sample would reach `maxSampleAgeMs`; a 413 splits
 * the batch; other 4xx are never retried. Once a batch has been given up, later batches get a single attempt each
 * (the receiver is likely down) until one succeeds.
 */
export function createRemoteWriter(config: RemoteWriteConfig, deps: RemoteWriterDeps): RemoteWriter {
  const client = createClient({
    url: config.url,
    timeoutMs: config.timeoutMs,
    headers: config.headers,
    authorization: authorizationHeader(config.auth, deps.credential),
    fetch: deps.fetch,
    now: deps.now,
  });
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? realSleep;
  const encoder = new WriteRequestEncoder();

  return {
    async write(series, metadata = [], signal) {
      const drops = new DropCounter();
      const result: WriteResult = { samplesSent: 0, samplesFailed: 0, samplesRetried: 0, samplesDropped: {}, seriesDropped: {}, requests: 0, bytesSent: 0, undelivered: [], errors: [] };
      const errors = new Set<string>();
      let receiverDown = false;

      const giveUp = (batch: Batch, error: string) => {
        result.samplesFailed += batch.samples;
        for (const s of batch.series) result.undelivered.push(toSeries(s));
        errors.add(error);
      };

      const deliver = async (batch: Batch, deadlineMs: number): Promise<void> => {
        const backoff = new Backoff(config.minBackoffMs, config.maxBackoffMs, deps.random);
        for (let attempt = 0; ; attempt++) {
          if (now() - batch.oldestTimestampMs > config.maxSampleAgeMs) {
            drops.add(reasonTooOld, batch.samples, batch.series.length);
            return;
          }
          result.requests += 1;
          const sent = await client.send(batch.body, attempt, signal);
          if (sent.status === 'sent') {
            result.samplesSent += batch.samples;
            result.bytesSent += batch.body.length;
            receiverDown = false;
            return;
          }
          if (sent.status === 'rejected') {
            if (sent.statusCode === 413) {
              const halves = splitBatch(batch, encoder);
              if (halves.length === 0) {
                drops.add(reasonOversize, batch.samples, batch.series.length);
                deps.log.warn('remote write dropped a series too large for the receiver', { status: 413, samples: batch.samples });
                return;
              }
              deps.log.warn('remote write batch too large, splitting', { status: 413, samples: batch.samples });
              for (const half of halves) await deliver(half, deadlineMs);
              return;
            }
            result.samplesFailed += batch.samples;
            errors.add(sent.error);
            deps.log.error('remote write rejected', { status: sent.statusCode, samples: batch.samples, error: sent.error });
            return;
          }
          const delayMs = sent.retryAfterMs !== undefined ? backoff.useRetryAfter(sent.retryAfterMs, config.maxRetryMs) : backoff.nextDelayMs();
          const wouldOutliveSamples = now() + delayMs - batch.oldestTimestampMs > config.maxSampleAgeMs;
          if (receiverDown || now() + delayMs > deadlineMs || wouldOutliveSamples) {
            giveUp(batch, sent.error);
            receiverDown = true;
            deps.log.error('remote write gave up', { attempt, status: sent.statusCode, samples: batch.samples, error: sent.error });
            return;
          }
          result.samplesRetried += batch.samples;
          deps.log.warn('remote write retry', { attempt: attempt + 1, delayMs, status: sent.statusCode, samples: batch.samples, error: sent.error });
          await sleep(delayMs, signal);
        }
      };

      for (const batch of batches(prepareEach(series, drops), config, drops, config.sendMetadata ? metadata : [], encoder)) {
        await deliver(batch, now() + config.maxRetryMs);
      }
      Object.assign(result.samplesDropped, drops.samples);
      Object.assign(result.seriesDropped, drops.series);
      result.errors = [...errors];
      return result;
    },
  };
}

function toSeries(s: PreparedSeries): Series {
  const labels: Record<string, string> = {};
  for (let i = 0; i < s.names.length; i++) labels[s.names[i]!] = s.values[i]!;
  return { labels, samples: s.samples };
}

