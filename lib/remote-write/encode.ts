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
  private sizes = new Int32Array(1024);
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
    let total = 0;
    for (let i = 0; i < series.length; i++) {
      const s = series[i]!;
      let size = 0;
      for (let j = 0; j < s.names.length; j++) {
        const n = this.bytes(s.names[j]!).length;
        const v = this.bytes(s.values[j]!).length;
        const label = 1 + varintLength(n) + n + 1 + varintLength(v) + v;
        size += 1 + varintLength(label) + label;
      }
      for (const sample of s.samples) {
        const body = sampleBodyLength(sample.value, sample.timestampMs, sample.stale === true);
        size += 1 + varintLength(body) + body;
      }
      sizes[i] = size;
      total += 1 + varintLength(size) + size;
    }
    for (const m of metadata) {
      const body = metadataLength(m, (x) => this.bytes(x).length);
      total += 1 + varintLength(body) + body;
    }
    if (this.buf.length < total) this.buf = new Uint8Array(Math.max(total, this.buf.length * 2));
    const buf = this.buf;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let pos = 0;
    const writeVarint = (v: number) => {
      if (v < 0) {
        let big = BigInt.asUintN(64, BigInt(v));
        while (big >= 128n) {
          buf[pos++] = Number(big & 127n) | 128;
          big >>= 7n;
        }
        buf[pos++] = Number(big);
        return;
      }
      while (v >= 128) {
        buf[pos++] = (v % 128) | 128;
        v = Math.floor(v / 128);
      }
      buf[pos++] = v;
    };
    const writeBytes = (tag: number, b: Uint8Array) => {
      buf[pos++] = tag;
      writeVarint(b.length);
      buf.set(b, pos);
      pos += b.length;
    };
    for (let i = 0; i < series.length; i++) {
      const s = series[i]!;
      buf[pos++] = TAG_TIMESERIES;
      writeVarint(sizes[i]!);
      for (let j = 0; j < s.names.length; j++) {
        const n = this.bytes(s.names[j]!);
        const v = this.bytes(s.values[j]!);
        buf[pos++] = TAG_LABELS;
        writeVarint(1 + varintLength(n.length) + n.length + 1 + varintLength(v.length) + v.length);
        writeBytes(TAG_NAME, n);
        writeBytes(TAG_VALUE, v);
      }
      for (const sample of s.samples) {
        const stale = sample.stale === true;
        buf[pos++] = TAG_SAMPLES;
        writeVarint(sampleBodyLength(sample.value, sample.timestampMs, stale));
        if (stale) {
          buf[pos++] = TAG_SAMPLE_VALUE;
          for (let k = 0; k < 8; k++) buf[pos++] = STALE_NAN_BYTES[k]!;
        } else if (!isPositiveZero(sample.value)) {
          buf[pos++] = TAG_SAMPLE_VALUE;
          view.setFloat64(pos, sample.value, true);
          pos += 8;
        }
        if (sample.timestampMs !== 0) {
          buf[pos++] = TAG_SAMPLE_TIMESTAMP;
          writeVarint(sample.timestampMs);
        }
      }
    }
    for (const m of metadata) {
      buf[pos++] = TAG_METADATA;
      writeVarint(metadataLength(m, (x) => this.bytes(x).length));
      const type = metricTypeNumbers[m.type];
      if (type !== 0) {
        buf[pos++] = TAG_META_TYPE;
        writeVarint(type);
      }
      if (m.name) writeBytes(TAG_META_FAMILY, this.bytes(m.name));
      if (m.help) writeBytes(TAG_META_HELP, textEncoder.encode(m.help));
      if (m.unit) writeBytes(TAG_META_UNIT, this.bytes(m.unit));
    }
    if (pos !== total) throw new Error(`BUG: WriteRequest size ${total} but wrote ${pos}`);
    return buf.subarray(0, total);
  }
}

function isPositiveZero(v: number): boolean {
  if (v !== 0) return false;
  scratch[0] = v;
  return scratchBytes[7] === 0;
}

function sampleBodyLength(value: number, timestampMs: number, stale: boolean): number {
  return (stale || !isPositiveZero(value) ? 9 : 0) + (timestampMs !== 0 ? 1 + varintLength(timestampMs) : 0);
}

function metadataLength(m: MetricMetadata, len: (s: string) => number): number {
  let n = 0;
  const type = metricTypeNumbers[m.type];
  if (type !== 0) n += 1 + varintLength(type);
  const field = (l: number) => (l ? 1 + varintLength(l) + l : 0);
  n += field(m.name ? len(m.name) : 0);
  n += field(m.help ? textEncoder.encode(m.help).length : 0);
  n += field(m.unit ? len(m.unit) : 0);
  return n;
}
