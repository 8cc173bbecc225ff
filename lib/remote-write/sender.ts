import type { TokenCredential } from '@azure/identity';
import type { HttpRequest } from '../http/request';
import type { Logger } from '../log';
import type { MetricMetadata, Series, SeriesGroup } from '../series';
import { authHeaderProvider } from './auth';
import { batches, encodeBatch, splitBatch, type Batch } from './batch';
import { createClient, type SendResult } from './client';
import type { RemoteWriteConfig } from './config';
import { WriteRequestEncoder } from './encode';
import { FailureSummary } from './failure-summary';
import { DropCounter, SeriesPreparer, reasonOversize, reasonTooOld, type PreparedSeries } from './labels';
import { isGroup, partSamples, partToSeries, seriesIn, sliceGroup, type PreparedPart } from './prepared-group';
import { Backoff, sleep as realSleep, withRetries } from './retry';

/** Everything one write() did, named by outcome as Prometheus' queue manager counts it. */
export interface WriteResult {
  /** Samples the receiver accepted (2xx). */
  samplesSent: number;
  /** Samples given up: rejected (4xx other than 429), or still failing when the retry budget ran out. */
  samplesFailed: number;
  /** Samples re-sent, counted once per retry. */
  samplesRetried: number;
  /** Dropped before or instead of sending, by reason (label hygiene, `oversize`, `too_old`). */
  samplesDropped: Record<string, number>;
  seriesDropped: Record<string, number>;
  /** HTTP requests made (attempts, including retries). */
  requests: number;
  /** Compressed body bytes of the requests that were accepted. */
  bytesSent: number;
  /** Series whose samples could not be delivered because of retryable failures (so the caller may persist them for the next run). */
  undelivered: Series[];
  /** One line per distinct failure, safe to print (no secrets, host only). */
  errors: string[];
}

export interface RemoteWriter {
  /** `groups`: more series, sharing all labels but the name within each group (SeriesGroup), sent after `series`. */
  write(series: readonly Series[], metadata?: readonly MetricMetadata[], signal?: AbortSignal, groups?: readonly SeriesGroup[]): Promise<WriteResult>;
  /**
   * Logs what failed since the last call: one error line per cause with the batches and samples it took. write()
   * calls it at its end unless `deferFailureLog` is set, in which case the caller does (once per cycle).
   */
  logFailures(): void;
}

export interface RemoteWriterDeps {
  log: Logger;
  /** For `azure` auth: the credential (default: DefaultAzureCredential with `azureClientId` as managed identity). */
  credential?: TokenCredential;
  azureClientId?: string;
  /** Default httpRequest (lib/http/request.ts); tests wrap it. */
  request?: HttpRequest;
  /** Clock in epoch ms. Default Date.now. */
  now?: () => number;
  /** Waits between attempts. Default a real timer. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Jitter source in [0, 1). Default Math.random. */
  random?: () => number;
  /** Parallel request lanes; a series always goes through the same lane (hash of its labels but the metric name, see LaneHasher). Default 1. */
  lanes?: number;
  /** Sum failures over several write() calls until logFailures() (a cycle's data and health writes give one line). */
  deferFailureLog?: boolean;
}


/**
 * Pushes series with remote write 1.0, modelled on Prometheus' queue manager:
 * - label hygiene and batching are lazy (memory is bounded by one batch, not the input); samples already older than
 *   `maxSampleAgeMs` are dropped as `too_old` before batching;
 * - batches go out one at a time, in order, so each series' samples arrive in timestamp order across requests; with
 *   `deps.lanes` > 1 each series is hashed onto one of that many lanes that send in parallel, each lane in order
 *   (measured against a receiver answering in 100 ms, 200k samples: 11.3 s with 1 lane, 4.6 s with 4, 2.5 s with 8;
 *   with a 20 ms receiver the encoder's CPU time dominates and lanes gain little);
 * - 5xx, 429, network errors and timeouts are retried with capped exponential backoff and jitter; a `Retry-After`
 *   (seconds or HTTP date) is honoured even above `maxBackoffMs`, but no wait may end past the batch's deadline:
 *   `maxRetryMs` after its first attempt, or the moment its newest sample reaches `maxSampleAgeMs`, whichever is
 *   first. Before each retry, samples that have become too old are taken out (re-encoding the rest);
 * - given up at the retry deadline → `samplesFailed` and `undelivered`; at the age deadline → dropped `too_old`;
 * - 413 splits the batch in halves (each keeps the parent's deadline); a lone sample still too large → `oversize`;
 * - other 4xx: never retried, counted failed, the first 1 KiB of the body logged verbatim;
 * - no Microsoft Entra token: not retried within this write (the credential library already retried); the samples are
 *   kept for the next run, and the batches after it are given up without a request;
 * - once a batch has been given up, later batches of the same write() get one attempt each (the receiver is likely
 *   down, and the invocation has a deadline) until one succeeds;
 * - an aborted `signal` stops sending: what was not delivered is counted failed and returned in `undelivered`.
 * `samplesSent + samplesFailed + samplesDropped` accounts for every input sample exactly once.
 * Failures are summarised: ONE error line per cause (status or error) with the number of batches and samples it took,
 * however many batches failed that way; a retry logs a warning the first time per cause and debug after that. Never a
 * secret (the endpoint is logged as its host only).
 * Series with the same label set must be merged by the caller (lib/series.ts mergeSeries).
 */
export function createRemoteWriter(config: RemoteWriteConfig, deps: RemoteWriterDeps): RemoteWriter {
  const client = createClient({
    url: config.url,
    timeoutMs: config.timeoutMs,
    headers: config.headers,
    authorization: authHeaderProvider(config.auth, { credential: deps.credential, azureClientId: deps.azureClientId, now: deps.now, log: deps.log }),
    request: deps.request,
    now: deps.now,
    authKind: config.auth.kind,
  });
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? realSleep;
  const encoder = new WriteRequestEncoder();
  const log = deps.log;
  const lanes = Math.max(1, Math.floor(deps.lanes ?? 1));
  /** Causes not logged yet. */
  const failures = new FailureSummary();
  const logFailures = () => failures.flush(log, client.endpoint);

  const write: RemoteWriter['write'] = async (series, metadata = [], signal, groups = []) => {
    const drops = new DropCounter();
    const result: WriteResult = { samplesSent: 0, samplesFailed: 0, samplesRetried: 0, samplesDropped: {}, seriesDropped: {}, requests: 0, bytesSent: 0, undelivered: [], errors: [] };
    /** This write's causes, first error text of each, for `result.errors`. */
    const errors = new Map<string, string>();
    const warned = new Set<string>();
    let receiverDown = false;
    /** Set once no token could be had: later batches are given up without a request. */
    let noToken: string | undefined;

    const tally = (message: string, error: string, samples: number, status?: number) => {
      const key = failures.add(message, oneLine(error), samples, status);
      if (!errors.has(key)) errors.set(key, oneLine(error));
    };

    /** Counted failed and handed back in `undelivered`, to be kept for the next run. */
    const keep = (batch: Batch) => {
      result.samplesFailed += batch.samples;
      for (const s of batch.series) partToSeries(s, result.undelivered);
    };
    /** Given up because the caller aborted: kept, and one error line per reason (not logged: the caller knows). */
    const giveUp = (batch: Batch, error: string) => {
      keep(batch);
      if (!errors.has(`abort\u0000${error}`)) errors.set(`abort\u0000${error}`, oneLine(error));
    };

    const deliver = async (batch: Batch, retryDeadlineMs: number): Promise<void> => {
      if (noToken !== undefined) {
        keep(batch);
        tally('remote write gave up', noToken, batch.samples);
        return;
      }
      let current = batch;
      const ageDeadlineMs = newestTimestampMs(batch) + config.maxSampleAgeMs;
      const ageBinds = ageDeadlineMs < retryDeadlineMs;
      const backoff = new Backoff({ minMs: config.minBackoffMs, maxMs: config.maxBackoffMs, maxRetryAfterMs: Math.max(config.maxRetryMs, config.maxBackoffMs), random: deps.random });
      const attempts = withRetries<SendResult | undefined>(
        async (attempt) => {
          if (attempt > 0) {
            current = withoutTooOld(current, now() - config.maxSampleAgeMs, drops, encoder);
            if (current.samples === 0 && current.series.length === 0 && batch.samples > 0) return { retry: false, value: undefined };
            result.samplesRetried += current.samples;
          }
          let sent: SendResult;
          try {
            sent = await client.send(current.body, { attempt, signal });
          } catch (err) {
            result.requests += 1; // aborted in flight
            throw err;
          }
          if (!(sent.status === 'retryable' && sent.nextRunOnly)) result.requests += 1; // no token: nothing was sent
          return sent.status === 'retryable' && !sent.nextRunOnly ? { retry: true, value: sent, retryAfterMs: sent.retryAfterMs } : { retry: false, value: sent };
        },
        {
          deadlineMs: receiverDown ? now() : Math.min(retryDeadlineMs, ageDeadlineMs),
          backoff,
          sleep,
          now,
          signal,
          onRetry: ({ attempt, delayMs, value }) => {
            const failure = value?.status === 'retryable' ? value : undefined;
            // The first retry of each cause is a warning; the rest (other batches, other lanes) are detail.
            const cause = String(failure?.statusCode ?? oneLine(failure?.error ?? ''));
            const level = warned.has(cause) ? 'debug' : 'warn';
            warned.add(cause);
            log[level]('remote write retry', { attempt, delayMs, status: failure?.statusCode, samples: current.samples, endpoint: client.endpoint, error: failure?.error });
          },
        },
      );
      let outcome: Awaited<typeof attempts>;
      try {
        outcome = await attempts;
      } catch (err) {
        if (signal?.aborted) giveUp(current, abortReason(signal)); // accounted here, exactly once
        throw err;
      }
      const sent = outcome.value;
      if (sent === undefined) return; // every sample became too old while waiting (counted by withoutTooOld)
      switch (sent.status) {
        case 'sent':
          result.samplesSent += current.samples;
          result.bytesSent += current.body.length;
          receiverDown = false;
          return;
        case 'retryable':
          if (sent.nextRunOnly) {
            noToken = sent.error;
            keep(current);
            tally('remote write gave up', sent.error, current.samples);
          } else if (ageBinds && !receiverDown) {
            drops.add(reasonTooOld, current.samples, seriesIn(current.series));
            tally('remote write gave up: samples too old', `samples too old to retry: ${sent.error}`, current.samples, sent.statusCode);
          } else {
            keep(current);
            tally('remote write gave up', sent.error, current.samples, sent.statusCode);
          }
          receiverDown = true;
          return;
        case 'rejected':
          if (sent.statusCode === 413) return split(current, retryDeadlineMs);
          result.samplesFailed += current.samples;
          tally('remote write rejected', sent.error, current.samples, sent.statusCode);
          return;
      }
    };

    const split = async (batch: Batch, retryDeadlineMs: number): Promise<void> => {
      const halves = splitBatch(batch, encoder);
      if (halves.length === 0) {
        drops.add(reasonOversize, batch.samples, seriesIn(batch.series));
        errors.set('oversize', `a single sample was too large for ${client.endpoint} (HTTP 413)`);
        log.warn('remote write dropped a sample too large for the receiver', { status: 413, samples: batch.samples, endpoint: client.endpoint });
        return;
      }
      log.warn('remote write batch too large, splitting', { status: 413, samples: batch.samples, endpoint: client.endpoint });
      for (let i = 0; i < halves.length; i++) {
        try {
          await deliver(halves[i]!, retryDeadlineMs);
        } catch (err) {
          if (signal?.aborted) for (const rest of halves.slice(i + 1)) giveUp(rest, abortReason(signal));
          throw err;
        }
      }
    };

    /**
     * Lanes: each series goes to lane hash(labels) % lanes, so its samples keep their order; each lane sends its
     * chunks (≈ one request of samples) one after another, and the lanes run in parallel. The producer waits for a
     * lane's previous chunk before handing it the next, so memory stays bounded by about 2 × lanes requests.
     */
    const sendInLanes = async (input: PreparedCursor, send: (pending: Generator<Batch>) => Promise<void>, drop: (batch: Batch, error: string) => void): Promise<void> => {
      const chunks: PreparedPart[][] = Array.from({ length: lanes }, () => []);
      const counts = new Array<number>(lanes).fill(0);
      const busy: Array<Promise<void>> = Array.from({ length: lanes }, () => Promise.resolve());
      let failure: { error: unknown } | undefined;
      const start = (lane: number) => {
        const chunk = chunks[lane]!;
        chunks[lane] = [];
        counts[lane] = 0;
        busy[lane] = busy[lane]!.then(async () => {
          if (signal?.aborted) return drop(unsent(chunk), abortReason(signal));
          if (failure) throw failure.error;
          await send(batches(chunk, config, drops, [], encoder));
        }).catch((error: unknown) => {
          failure ??= { error };
        });
      };
      const hasher = new LaneHasher(lanes);
      // The cursor, not an iterator: what is left after a break is what the caller gives up after an abort.
      const cap = config.maxSamplesPerRequest;
      outer: for (let s = input.next(); s !== undefined; s = input.next()) {
        const lane = hasher.laneOf(s);
        let part: PreparedPart = s;
        // A group that does not fit the lane's request is cut there, so requests stay full (not one full, one small).
        while (isGroup(part) && counts[lane]! + (part.to - part.from) > cap && counts[lane]! < cap) {
          const cut = part.from + (cap - counts[lane]!);
          chunks[lane]!.push(sliceGroup(part, part.from, cut));
          counts[lane] = cap;
          part = sliceGroup(part, cut, part.to);
          await busy[lane];
          start(lane);
          if (failure) {
            chunks[lane]!.push(part); // started below: given up (and counted) with the lane's chunk
            break outer;
          }
        }
        chunks[lane]!.push(part);
        counts[lane]! += partSamples(part);
        if (counts[lane]! >= cap) {
          await busy[lane];
          start(lane);
          if (failure) break;
        }
      }
      for (let lane = 0; lane < lanes; lane++) if (chunks[lane]!.length) start(lane);
      await Promise.all(busy);
      if (failure) throw failure.error;
    };

    /** Sends the batches of `pending` one after another; on abort, gives up the rest of them and rethrows. */
    const sendInOrder = async (pending: Generator<Batch>): Promise<void> => {
      try {
        // Not for-of: leaving a for-of by an exception would close the generator, and the rest is needed below.
        for (let next = pending.next(); !next.done; next = pending.next()) await deliver(next.value, now() + config.maxRetryMs);
      } catch (err) {
        // The batch in flight was accounted by deliver(); what was not sent yet is kept for next time.
        if (signal?.aborted) for (let next = pending.next(); !next.done; next = pending.next()) giveUp(next.value, abortReason(signal));
        throw err;
      }
    };

    const prepared = new PreparedCursor(series, groups, new SeriesPreparer(drops), now() - config.maxSampleAgeMs, drops);
    try {
      try {
        if (lanes === 1) {
          await sendInOrder(batches(prepared, config, drops, config.sendMetadata ? metadata : [], encoder));
        } else {
          if (config.sendMetadata && metadata.length) await sendInOrder(batches([], config, drops, metadata, encoder));
          await sendInLanes(prepared, sendInOrder, giveUp);
        }
      } catch (err) {
        if (!signal?.aborted) throw err;
        for (const s of prepared) giveUp(unsent([s]), abortReason(signal)); // not handed to a lane yet
      }
    } finally {
      if (!deps.deferFailureLog) logFailures();
    }
    Object.assign(result.samplesDropped, drops.samples);
    Object.assign(result.seriesDropped, drops.series);
    result.errors = [...errors.values()];
    return result;
  };

  return { write, logFailures };
}

/**
 * A write's input, prepared (label hygiene) and without samples older than `cutoffMs` (counted `too_old`), one series
 * at a time as it is taken: memory stays bounded by what the lanes hold, and the hot path has no generator frame or
 * iterator result per series. What was not taken yet is what an abort gives up.
 */
class PreparedCursor implements Iterable<PreparedPart> {
  private position = 0;
  /** In `groups`: the group next. */
  private group = 0;

  constructor(
    private readonly input: readonly Series[],
    private readonly groups: readonly SeriesGroup[],
    private readonly preparer: SeriesPreparer,
    private readonly cutoffMs: number,
    private readonly drops: DropCounter,
  ) {}

  /** The next series fit to send (the plain series first, then the groups, each as one part), or undefined at the end. */
  next(): PreparedPart | undefined {
    const input = this.input;
    while (this.position < input.length) {
      const prepared = this.preparer.prepare(input[this.position++]!);
      if (prepared === undefined) continue;
      const fresh = freshPart(prepared, this.cutoffMs, this.drops);
      if (fresh !== undefined) return fresh;
    }
    const groups = this.groups;
    while (this.group < groups.length) {
      const g = groups[this.group++]!;
      if (g.timestampMs < this.cutoffMs) {
        this.drops.add(reasonTooOld, g.names.length, g.names.length); // one timestamp: all of it or nothing
        continue;
      }
      const prepared = this.preparer.prepareGroup(g);
      if (prepared !== undefined) return prepared;
    }
    return undefined;
  }

  *[Symbol.iterator](): Generator<PreparedPart> {
    for (let s = this.next(); s !== undefined; s = this.next()) yield s;
  }
}

function freshPart(s: PreparedSeries, cutoffMs: number, drops: DropCounter): PreparedSeries | undefined {
  if (s.samples.length === 0 || s.samples[0]!.timestampMs >= cutoffMs) return s;
  let first = 0;
  while (first < s.samples.length && s.samples[first]!.timestampMs < cutoffMs) first++;
  drops.add(reasonTooOld, first, first === s.samples.length ? 1 : 0);
  return first === s.samples.length ? undefined : { names: s.names, values: s.values, samples: s.samples.slice(first) };
}

/** The batch without samples older than `cutoffMs`, re-encoded only when something was taken out. */
function withoutTooOld(batch: Batch, cutoffMs: number, drops: DropCounter, encoder: WriteRequestEncoder): Batch {
  if (batch.oldestTimestampMs >= cutoffMs) return batch;
  const fresh: PreparedPart[] = [];
  for (const s of batch.series) {
    if (isGroup(s)) {
      if (s.timestampMs >= cutoffMs) fresh.push(s);
      else drops.add(reasonTooOld, s.to - s.from, s.to - s.from);
      continue;
    }
    const part = freshPart(s, cutoffMs, drops);
    if (part) fresh.push(part);
  }
  return encodeBatch(fresh, encoder);
}

function newestTimestampMs(batch: Batch): number {
  let newest = -Infinity;
  for (const s of batch.series) {
    if (isGroup(s)) newest = Math.max(newest, s.timestampMs);
    else if (s.samples.length) newest = Math.max(newest, s.samples[s.samples.length - 1]!.timestampMs);
  }
  return newest === -Infinity ? Infinity : newest; // metadata only: no age limit
}

/** Series that are given up without being encoded, in the shape giveUp() counts. */
function unsent(series: PreparedPart[]): Batch {
  let samples = 0;
  for (const s of series) samples += partSamples(s);
  return { series, samples, body: new Uint8Array(0), rawBytes: 0, oldestTimestampMs: Infinity };
}

/**
 * A series' lane: FNV-1a of each label value but the metric name's, combined in order (the names come with the
 * values' positions), so a label set's lane never changes and every series of one entity (Spark: the ~40 metrics of
 * an executor) goes through the same lane, next to each other (the encoder's label cache and snappy like that).
 * Consecutive series mostly share those values, so each position remembers its last value and that value's hash:
 * only values that changed are hashed.
 */
export class LaneHasher {
  private readonly lastValues: string[] = [];
  private readonly lastHashes: number[] = [];

  constructor(private readonly lanes: number) {}

  /** A group's lane is the lane each of its members would have alone (the name is not part of the hash). */
  laneOf(s: PreparedPart): number {
    const names = s.names;
    const values = s.values;
    let h = 0x811c9dc5;
    for (let j = 0; j < values.length; j++) {
      if (names[j] === '__name__') continue;
      const value = values[j]!;
      let vh: number;
      if (this.lastValues[j] === value) vh = this.lastHashes[j]!;
      else {
        vh = 0x811c9dc5;
        for (let i = 0; i < value.length; i++) vh = Math.imul(vh ^ value.charCodeAt(i), 0x01000193);
        this.lastValues[j] = value;
        this.lastHashes[j] = vh;
      }
      h = Math.imul(h ^ vh, 0x01000193);
    }
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    return (h >>> 0) % this.lanes;
  }
}

function abortReason(signal: AbortSignal): string {
  return `remote write aborted: ${signal.reason instanceof Error ? signal.reason.message : String(signal.reason)}`;
}

/** Error text as one printable line (bodies may hold newlines or control characters). */
function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}
