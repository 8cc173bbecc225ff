import type { MetricMetadata, MetricType } from '../series';
import type { PreparedSeries } from './labels';

/**
 * Prometheus remote-write 1.0 `WriteRequest` encoder: the only file that knows the protobuf field numbers.
 *
 *   WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
 *   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
 *   Label        { string name = 1; string value = 2; }
 *   Sample       { double value = 1; int64 timestamp = 2; }          // timestamp in milliseconds
 *   MetricMetadata { MetricType type = 1; string metric_family_name = 2; string help = 4; string unit = 5; }
 *
 * A sizes pass, then a write pass into one buffer that is reused across calls. Label strings are UTF-8 encoded once
 * and cached (bounded). Proto3 scalar fields equal to their default (value +0, timestamp 0) are left out, as Go's
 * encoder does. Stale markers are written from a constant 8-byte pattern, never through a JS number.
 */

const TAG_TIMESERIES = (1 << 3) | 2;
const TAG_METADATA = (3 << 3) | 2;
const TAG_LABELS = (1 << 3) | 2;
const TAG_SAMPLES = (2 << 3) | 2;
const TAG_NAME = (1 << 3) | 2;
const TAG_VALUE = (2 << 3) | 2;
const TAG_SAMPLE_VALUE = (1 << 3) | 1;
const TAG_SAMPLE_TIMESTAMP = (2 << 3) | 0;
const TAG_META_TYPE = (1 << 3) | 0;
const TAG_META_FAMILY = (2 << 3) | 2;
const TAG_META_HELP = (4 << 3) | 2;
const TAG_META_UNIT = (5 << 3) | 2;

/** Little-endian bytes of the Prometheus stale NaN 0x7ff0000000000002. */
export const STALE_NAN_BYTES: readonly number[] = [0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f];

const metricTypeNumbers: Record<MetricType, number> = { unknown: 0, counter: 1, gauge: 2, histogram: 3, summary: 5, info: 6, stateset: 7 };

const textEncoder = new TextEncoder();
const scratch = new Float64Array(1);
const scratchBytes = new Uint8Array(scratch.buffer);

export function varintLength(v: number): number {
  if (v < 0) return 10;
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

export class WriteRequestEncoder {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  private sizes = new Int32Array(1024);
  /** UTF-8 bytes of every label name and value, in write order, filled by the sizes pass. */
  private refs: Uint8Array[] = [];
  private readonly cache = new Map<string, Uint8Array>();

  constructor(private readonly maxCachedStrings = 50_000) {}

  private bytes(s: string): Uint8Array {
    let b = this.cache.get(s);
    if (b === undefined) {
      b = textEncoder.encode(s);
      if (this.cache.size >= this.maxCachedStrings) this.cache.clear();
      this.cache.set(s, b);
    }
    return b;
  }

  /**
   * Encodes the request and returns a view of the internal buffer: valid until the next call
   * (compress or copy it before encoding again).
   */
  encode(series: readonly PreparedSeries[], metadata: readonly MetricMetadata[] = []): Uint8Array {
    if (this.sizes.length < series.length) this.sizes = new Int32Array(Math.max(series.length, this.sizes.length * 2));
    const sizes = this.sizes;
    const refs = this.refs;
    let r = 0;
    let total = 0;
    for (let i = 0; i < series.length; i++) {
      const s = series[i]!;
      const names = s.names;
      const values = s.values;
      let size = 0;
      for (let j = 0; j < names.length; j++) {
        const n = this.bytes(names[j]!);
        const v = this.bytes(values[j]!);
        refs[r++] = n;
        refs[r++] = v;
        const label = 2 + varintLength(n.length) + n.length + varintLength(v.length) + v.length;
        size += 1 + varintLength(label) + label;
      }
      const samples = s.samples;
      for (let k = 0; k < samples.length; k++) {
        const sample = samples[k]!;
        const body = sampleBodyLength(sample.value, sample.timestampMs, sample.stale === true);
        size += 1 + varintLength(body) + body;
      }
      sizes[i] = size;
      total += 1 + varintLength(size) + size;
    }
    const metaBytes = metadata.map((m) => ({ m, name: m.name ? this.bytes(m.name) : EMPTY, help: m.help ? textEncoder.encode(m.help) : EMPTY, unit: m.unit ? this.bytes(m.unit) : EMPTY }));
    for (const x of metaBytes) {
      const body = metadataLength(x.m, x.name, x.help, x.unit);
      total += 1 + varintLength(body) + body;
    }
    if (this.buf.length < total) {
      this.buf = new Uint8Array(Math.max(total, this.buf.length * 2));
      this.view = new DataView(this.buf.buffer);
    }
    const buf = this.buf;
    const view = this.view;
    let pos = 0;
    r = 0;
    for (let i = 0; i < series.length; i++) {
      const s = series[i]!;
      buf[pos++] = TAG_TIMESERIES;
      pos = putVarint(buf, pos, sizes[i]!);
      for (let j = 0; j < s.names.length; j++) {
        const n = refs[r++]!;
        const v = refs[r++]!;
        buf[pos++] = TAG_LABELS;
        pos = putVarint(buf, pos, 2 + varintLength(n.length) + n.length + varintLength(v.length) + v.length);
        buf[pos++] = TAG_NAME;
        pos = putVarint(buf, pos, n.length);
        pos = copy(buf, pos, n);
        buf[pos++] = TAG_VALUE;
        pos = putVarint(buf, pos, v.length);
        pos = copy(buf, pos, v);
      }
      const samples = s.samples;
      for (let k = 0; k < samples.length; k++) {
        const sample = samples[k]!;
        const stale = sample.stale === true;
        buf[pos++] = TAG_SAMPLES;
        pos = putVarint(buf, pos, sampleBodyLength(sample.value, sample.timestampMs, stale));
        if (stale) {
          buf[pos++] = TAG_SAMPLE_VALUE;
          for (let b = 0; b < 8; b++) buf[pos++] = STALE_NAN_BYTES[b]!;
        } else if (!isPositiveZero(sample.value)) {
          buf[pos++] = TAG_SAMPLE_VALUE;
          view.setFloat64(pos, sample.value, true);
          pos += 8;
        }
        if (sample.timestampMs !== 0) {
          buf[pos++] = TAG_SAMPLE_TIMESTAMP;
          pos = putVarint(buf, pos, sample.timestampMs);
        }
      }
    }
    refs.length = 0; // release references to strings of this request
    for (const x of metaBytes) {
      buf[pos++] = TAG_METADATA;
      pos = putVarint(buf, pos, metadataLength(x.m, x.name, x.help, x.unit));
      const type = metricTypeNumbers[x.m.type];
      if (type !== 0) {
        buf[pos++] = TAG_META_TYPE;
        pos = putVarint(buf, pos, type);
      }
      pos = putBytes(buf, pos, TAG_META_FAMILY, x.name);
      pos = putBytes(buf, pos, TAG_META_HELP, x.help);
      pos = putBytes(buf, pos, TAG_META_UNIT, x.unit);
    }
    if (pos !== total) throw new Error(`BUG: WriteRequest size ${total} but wrote ${pos}`);
    return buf.subarray(0, total);
  }
}

const EMPTY = new Uint8Array(0);

/** Short label strings copy faster byte by byte than through TypedArray.set's call overhead. */
function copy(buf: Uint8Array, pos: number, b: Uint8Array): number {
  const n = b.length;
  if (n > 32) {
    buf.set(b, pos);
    return pos + n;
  }
  for (let i = 0; i < n; i++) buf[pos + i] = b[i]!;
  return pos + n;
}

function putVarint(buf: Uint8Array, pos: number, v: number): number {
  if (v < 0) {
    let big = BigInt.asUintN(64, BigInt(v));
    while (big >= 128n) {
      buf[pos++] = Number(big & 127n) | 128;
      big >>= 7n;
    }
    buf[pos++] = Number(big);
    return pos;
  }
  while (v >= 128) {
    buf[pos++] = (v % 128) | 128;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
}

/** A length-delimited field, left out when empty (proto3 default). */
function putBytes(buf: Uint8Array, pos: number, tag: number, b: Uint8Array): number {
  if (b.length === 0) return pos;
  buf[pos++] = tag;
  pos = putVarint(buf, pos, b.length);
  buf.set(b, pos);
  return pos + b.length;
}

function isPositiveZero(v: number): boolean {
  if (v !== 0) return false;
  scratch[0] = v;
  return scratchBytes[7] === 0;
}

function sampleBodyLength(value: number, timestampMs: number, stale: boolean): number {
  return (stale || !isPositiveZero(value) ? 9 : 0) + (timestampMs !== 0 ? 1 + varintLength(timestampMs) : 0);
}

function metadataLength(m: MetricMetadata, name: Uint8Array, help: Uint8Array, unit: Uint8Array): number {
  const type = metricTypeNumbers[m.type];
  const field = (l: number) => (l ? 1 + varintLength(l) + l : 0);
  return (type !== 0 ? 1 + varintLength(type) : 0) + field(name.length) + field(help.length) + field(unit.length);
}
