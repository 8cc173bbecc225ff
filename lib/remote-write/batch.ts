import type { MetricMetadata } from '../series';
import { WriteRequestEncoder } from './encode';
import { DropCounter, reasonOversize } from './labels';
import { isGroup, partSamples, seriesIn, sliceGroup, type PreparedPart } from './prepared-group';
import { compressBlock } from './snappy';

/**
 * Batching: prepared series → remote-write request bodies, lazily.
 *
 *   batches(series, { maxSamplesPerRequest, maxBytesPerRequest }, drops, metadata?, encoder?): Generator<Batch>
 *   encodeBatch(series, encoder?, metadata?): Batch      // e.g. to re-encode after a change
 *   splitBatch(batch, encoder?): Batch[]                   // the two halves the sender sends after a 413
 *
 * Ownership: `Batch.body` is a fresh array made by the compressor, never a view of the encoder's reused buffer, so a
 * caller may keep a batch (e.g. for retries) while the generator goes on; `Batch.series` is a fresh array too. The
 * label arrays inside prepared series are shared and must not be mutated.
 */

/** One remote-write request body and what it carries. */
export interface Batch {
  /** Series one by one, or runs of a group's members (PreparedGroup). */
  series: readonly PreparedPart[];
  samples: number;
  /** Snappy block-compressed WriteRequest; owned by the batch (not a view of a reused buffer). */
  body: Uint8Array;
  rawBytes: number;
  /** Oldest sample timestamp (ms), for the age limit; Infinity when the batch has no samples (metadata only). */
  oldestTimestampMs: number;
}

export interface BatchLimits {
  maxSamplesPerRequest: number;
  maxBytesPerRequest: number;
}

/**
 * Cuts prepared series into requests of at most `maxSamplesPerRequest` samples and `maxBytesPerRequest` compressed
 * bytes, lazily, so memory is bounded by one batch. Splits happen between series where possible; a series with more
 * samples than fit is continued in the next batch, oldest samples first, so per-series order holds when batches are
 * sent in order. A batch over the byte cap is halved; a single sample still over it is dropped as `oversize`.
 * Callers pass each label set once (the cycle merges re-sent samples and drops repeats before writing).
 */
export function* batches(
  series: Iterable<PreparedPart>,
  limits: BatchLimits,
  drops: DropCounter,
  metadata: readonly MetricMetadata[] = [],
  encoder = new WriteRequestEncoder(),
): Generator<Batch> {
  if (metadata.length) yield* fitMetadata(metadata, limits, encoder);
  const cap = Math.max(1, Math.floor(limits.maxSamplesPerRequest)); // a cap below 1 would never make progress
  let chunk: PreparedPart[] = [];
  let count = 0;
  for (const s of series) {
    if (isGroup(s)) {
      // A group is cut between members: [from, to) narrowed per batch.
      let from = s.from;
      while (from < s.to) {
        const take = Math.min(cap - count, s.to - from);
        chunk.push(from === s.from && take === s.to - s.from ? s : sliceGroup(s, from, from + take));
        count += take;
        from += take;
        if (count >= cap) {
          yield* fitBytes(encodeBatch(chunk, encoder), limits, drops, encoder);
          chunk = [];
          count = 0;
        }
      }
      continue;
    }
    let offset = 0;
    while (offset < s.samples.length) {
      const room = cap - count;
      const take = Math.min(room, s.samples.length - offset);
      const part = offset === 0 && take === s.samples.length ? s : { names: s.names, values: s.values, samples: s.samples.slice(offset, offset + take) };
      chunk.push(part);
      count += take;
      offset += take;
      if (count >= cap) {
        yield* fitBytes(encodeBatch(chunk, encoder), limits, drops, encoder);
        chunk = [];
        count = 0;
      }
    }
  }
  if (chunk.length) yield* fitBytes(encodeBatch(chunk, encoder), limits, drops, encoder);
}

/** Encodes and compresses series into one batch. */
export function encodeBatch(series: readonly PreparedPart[], encoder = new WriteRequestEncoder(), metadata: readonly MetricMetadata[] = []): Batch {
  const raw = encoder.encode(series, metadata);
  let samples = 0;
  let oldest = Infinity;
  for (const s of series) {
    samples += partSamples(s);
    const first = isGroup(s) ? s.timestampMs : s.samples.length ? s.samples[0]!.timestampMs : Infinity;
    if (first < oldest) oldest = first;
  }
  return { series, samples, body: compressBlock(raw, encoder.hints), rawBytes: raw.length, oldestTimestampMs: oldest };
}

/** Halves of a batch, split between series, or between samples of a lone series; empty when it cannot be split. */
export function splitBatch(batch: Batch, encoder = new WriteRequestEncoder()): Batch[] {
  const { series } = batch;
  if (series.length > 1) {
    const mid = Math.ceil(series.length / 2);
    return [encodeBatch(series.slice(0, mid), encoder), encodeBatch(series.slice(mid), encoder)];
  }
  const only = series[0];
  if (only !== undefined && isGroup(only)) {
    if (only.to - only.from < 2) return [];
    const mid = only.from + Math.ceil((only.to - only.from) / 2);
    return [encodeBatch([sliceGroup(only, only.from, mid)], encoder), encodeBatch([sliceGroup(only, mid, only.to)], encoder)];
  }
  if (only === undefined || only.samples.length < 2) return [];
  const mid = Math.ceil(only.samples.length / 2);
  return [
    encodeBatch([{ names: only.names, values: only.values, samples: only.samples.slice(0, mid) }], encoder),
    encodeBatch([{ names: only.names, values: only.values, samples: only.samples.slice(mid) }], encoder),
  ];
}

function* fitBytes(batch: Batch, limits: BatchLimits, drops: DropCounter, encoder: WriteRequestEncoder): Generator<Batch> {
  if (batch.body.length <= limits.maxBytesPerRequest) {
    if (batch.samples > 0 || batch.rawBytes > 0) yield batch;
    return;
  }
  const halves = splitBatch(batch, encoder);
  if (halves.length === 0) {
    drops.add(reasonOversize, batch.samples, seriesIn(batch.series));
    return;
  }
  for (const half of halves) yield* fitBytes(half, limits, drops, encoder);
}

/** Metadata goes first, in its own requests, halved until each fits; a single entry still too large is left out. */
function* fitMetadata(metadata: readonly MetricMetadata[], limits: BatchLimits, encoder: WriteRequestEncoder): Generator<Batch> {
  const batch = encodeBatch([], encoder, metadata);
  if (batch.body.length <= limits.maxBytesPerRequest) {
    yield batch;
    return;
  }
  if (metadata.length < 2) return;
  const mid = Math.ceil(metadata.length / 2);
  yield* fitMetadata(metadata.slice(0, mid), limits, encoder);
  yield* fitMetadata(metadata.slice(mid), limits, encoder);
}
