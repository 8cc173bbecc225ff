import type { MetricMetadata, MetricType } from '../series';
import type { PreparedSeries } from './labels';
import { isGroup, type PreparedGroup, type PreparedPart } from './prepared-group';
import type { CopyHints } from './snappy';

/**
 * Prometheus remote-write 1.0 `WriteRequest` encoder: the only file that knows the protobuf field numbers.
 *
 *   WriteRequest   { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
 *   TimeSeries     { repeated Label labels = 1; repeated Sample samples = 2; }
 *   Label          { string name = 1; string value = 2; }
 *   Sample         { double value = 1; int64 timestamp = 2; }          // timestamp in milliseconds
 *   MetricMetadata { MetricType type = 1; string metric_family_name = 2; string help = 4; string unit = 5; }
 *
 * Output is canonical (what protobufjs and Go's encoder write): minimal varints, fields in number order, proto3
 * scalar defaults (value +0, timestamp 0, empty strings, type UNKNOWN) left out.
 *
 * How it stays fast: everything is written into ONE buffer that is reused across calls (grown when needed). Whole
 * encoded `labels` fields (tag, length, name, value as UTF-8) come from a bounded cache, since label names and most
 * values repeat across series; per series, a sizes pass looks those fields up and sums the exact message size, then
 * a write pass copies them and writes the samples. No per-series or per-sample allocation once the cache is warm.
 * Doubles go through a DataView; stale markers are written from the constant 8-byte pattern, never through a JS
 * number (which would quiet the signalling NaN).
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
export const STALE_NAN_BYTES: readonly number[] = Object.freeze([0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f]);

/** MetricMetadata.MetricType numbers (GAUGEHISTOGRAM = 4 has no counterpart in lib/series.ts). */
export const metricTypeNumbers: Readonly<Record<MetricType, number>> = { unknown: 0, counter: 1, gauge: 2, histogram: 3, summary: 5, info: 6, stateset: 7 };

const textEncoder = new TextEncoder();
const TWO_POW_32 = 2 ** 32;

/** Bytes a non-negative integer (< 2^53) takes as a varint; negative int64 values always take 10. */
export function varintLength(v: number): number {
  if (v < 0) return 10;
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  let n = 5;
  v = Math.floor(v / 0x800000000);
  while (v > 0) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

export class WriteRequestEncoder {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  /**
   * Encoded `labels` fields (tag, length, name, value) of the label pairs seen lately. Prepared series with the same
   * label names share one `names` array, so the cache is keyed by that array, then by position, then by value: one
   * lookup (none when the value equals the previous series' at that position) and one copy per label. Bounded:
   * emptied once its estimated size passes `maxCacheBytes`.
   */
  private byNames = new Map<readonly string[], NamesCache>();
  private cachedBytes = 0;
  /**
   * What the last encode() wrote again that it had written before in the same buffer (a group member's label run and
   * name field), for the compressor to copy without searching: triples (offset, length, source).
   */
  private hintData = new Int32Array(3 * 4096);
  private hintCount = 0;
  /** Counts encode() calls: a run's or field's last offset is of this buffer only when stamped with the current one. */
  private generation = 0;
  /** Name field → where the current encode() last wrote it, and the TimeSeries it was in. */
  private readonly fieldAt = new Map<Uint8Array, FieldPlace>();

  /** Copy hints of the last encode(), for compressBlock (valid until the next encode()). */
  get hints(): CopyHints {
    return { data: this.hintData, count: this.hintCount };
  }

  /** @param maxCacheBytes bound of the label cache (estimated bytes); it is emptied when full. */
  constructor(private readonly maxCacheBytes = 8 * 1024 * 1024) {}

  private namesCache(names: readonly string[]): NamesCache {
    let cache = this.byNames.get(names);
    if (cache === undefined) {
      if (this.cachedBytes >= this.maxCacheBytes) {
        this.byNames = new Map();
        this.cachedBytes = 0;
      }
      const slots = names.map((name) => ({ name, fields: new Map<string, Uint8Array>(), lastValue: undefined, lastField: EMPTY }));
      cache = { slots, nameIndex: names.indexOf('__name__'), runValues: new Array<string | undefined>(names.length), before: EMPTY, after: EMPTY, hasRun: false, lastValues: undefined, beforeAt: -1, afterAt: -1, afterSampleLength: -1, generation: 0 };
      this.byNames.set(names, cache);
      this.cachedBytes += ENTRY_OVERHEAD * (1 + names.length);
    }
    return cache;
  }

  private labelField(slot: LabelSlot, value: string): Uint8Array {
    if (value === slot.lastValue) return slot.lastField;
    let field = slot.fields.get(value);
    if (field === undefined) {
      field = encodeLabelField(slot.name, value);
      if (this.cachedBytes >= this.maxCacheBytes) {
        // Full: forget everything but the slots the current series is using, emptied.
        for (const cache of this.byNames.values()) for (const sl of cache.slots) sl.fields.clear();
        this.byNames = new Map([...this.byNames].filter(([, cache]) => cache.slots.includes(slot)));
        this.cachedBytes = 0;
      }
      slot.fields.set(value, field);
      this.cachedBytes += ENTRY_OVERHEAD + 2 * value.length + field.length;
    }
    slot.lastValue = value;
    slot.lastField = field;
    return field;
  }

  /**
   * Encodes the request and returns a view of the internal buffer: valid only until the next call on this encoder
   * (compress or copy it before encoding again).
   */
  encode(series: readonly PreparedPart[], metadata: readonly MetricMetadata[] = []): Uint8Array {
    this.generation++;
    this.hintCount = 0;
    this.fieldAt.clear();
    let pos = 0;
    for (let i = 0; i < series.length; i++) {
      const part = series[i]!;
      pos = isGroup(part) ? this.writeGroup(part, pos) : this.writeSeries(part, pos);
    }
    for (let i = 0; i < metadata.length; i++) pos = this.writeMetadata(metadata[i]!, pos);
    return this.buf.subarray(0, pos);
  }

  private ensure(bytes: number): void {
    if (bytes <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(bytes, this.buf.length * 2));
    grown.set(this.buf);
    this.buf = grown;
    this.view = new DataView(grown.buffer);
  }

  private writeSeries(s: PreparedSeries, start: number): number {
    const names = s.names;
    const values = s.values;
    const samples = s.samples;
    // Pass 1: the encoded label fields (cached) and the exact size of the TimeSeries message.
    const cache = this.namesCache(names);
    const slots = cache.slots;
    const ni = cache.nameIndex;
    let size = 0;
    // Every label but the name, as one run of bytes, when they are those of the previous series with these names
    // (Spark: the ~40 metrics of an executor in a row); the name's field comes from its slot. A run is built only
    // when two series in a row share it: series whose labels all differ are written field by field, with no run.
    let useRun = false;
    if (ni >= 0) {
      if (this.sameRun(cache, values)) useRun = true;
      else if (cache.lastValues !== undefined && sameButName(cache.lastValues, values, ni)) {
        this.buildRun(cache, values);
        useRun = true;
      }
      cache.lastValues = values;
    }
    if (useRun) size = cache.before.length + this.labelField(slots[ni]!, values[ni]!).length + cache.after.length;
    else for (let j = 0; j < names.length; j++) size += this.labelField(slots[j]!, values[j]!).length;
    for (let k = 0; k < samples.length; k++) {
      const sample = samples[k]!;
      size += 2 + sampleBodyLength(sample.value, sample.timestampMs, sample.stale === true);
    }
    this.ensure(start + 11 + size);
    // Pass 2: write.
    const buf = this.buf;
    const view = this.view;
    buf[start] = TAG_TIMESERIES;
    let p = putVarint(buf, start + 1, size);
    // labelField left each slot's field for this series' value in `lastField`.
    if (useRun) {
      p = copyBytes(buf, p, cache.before);
      p = copyBytes(buf, p, slots[ni]!.lastField);
      p = copyBytes(buf, p, cache.after);
    } else for (let j = 0; j < names.length; j++) p = copyBytes(buf, p, slots[j]!.lastField);
    for (let k = 0; k < samples.length; k++) {
      const sample = samples[k]!;
      const value = sample.value;
      const ts = sample.timestampMs;
      const stale = sample.stale === true;
      buf[p++] = TAG_SAMPLES;
      buf[p++] = sampleBodyLength(value, ts, stale); // at most 9 + 11 bytes: a one-byte varint
      if (stale) {
        buf[p] = TAG_SAMPLE_VALUE;
        buf[p + 1] = 0x02;
        buf[p + 2] = 0;
        buf[p + 3] = 0;
        buf[p + 4] = 0;
        buf[p + 5] = 0;
        buf[p + 6] = 0;
        buf[p + 7] = 0xf0;
        buf[p + 8] = 0x7f;
        p += 9;
      } else if (!isPositiveZero(value)) {
        buf[p] = TAG_SAMPLE_VALUE;
        view.setFloat64(p + 1, value, true);
        p += 9;
      }
      if (ts !== 0) {
        buf[p++] = TAG_SAMPLE_TIMESTAMP;
        p = putVarint(buf, p, ts);
      }
    }
    return p;
  }

  /**
   * A group's members [from, to), each a TimeSeries exactly as writeSeries() writes the same series given alone: the
   * label run (every field but the name's) is looked up once for the group, then each member costs its name's field
   * (cached per name) and its sample.
   */
  private writeGroup(g: PreparedGroup, start: number): number {
    const cache = this.namesCache(g.names);
    const nameSlot = cache.slots[g.nameIndex]!;
    if (!this.sameRun(cache, g.values)) this.buildRun(cache, g.values);
    const before = cache.before;
    const after = cache.after;
    const run = before.length + after.length;
    const ts = g.timestampMs;
    const tsLength = ts !== 0 ? 1 + varintLength(ts) : 0;
    const names = g.metricNames;
    const values = g.sampleValues;
    if (cache.generation !== this.generation) {
      cache.generation = this.generation;
      cache.beforeAt = -1;
      cache.afterAt = -1;
    }
    const fieldAt = this.fieldAt;
    /** Where this group's timestamp field was last written (it is the same for all members; >= 4 bytes for ms times). */
    let tsAt = tsLength >= 4 ? -1 : -2;
    let p = start;
    for (let k = g.from; k < g.to; k++) {
      const nameField = this.labelField(nameSlot, names[k]!);
      const value = values[k]!;
      const zero = isPositiveZero(value);
      const sampleLength = (zero ? 0 : 9) + tsLength;
      const size = run + nameField.length + 2 + sampleLength;
      this.ensure(p + 6 + size);
      const buf = this.buf;
      const tagAt = p;
      buf[p] = TAG_TIMESERIES;
      p = putVarint(buf, p + 1, size);
      // The run and the name's field are bytes this buffer already holds (the member before, the same metric of the
      // executor before): hinted to the compressor, which then need not find them.
      if (before.length >= 4) {
        if (cache.beforeAt >= 0 && p - cache.beforeAt <= MAX_COPY_OFFSET) this.hint(p, before.length, cache.beforeAt);
        cache.beforeAt = p;
      }
      p = copyBytes(buf, p, before);
      if (nameField.length >= 4) {
        const last = fieldAt.get(nameField);
        if (last === undefined) fieldAt.set(nameField, { at: p, tagAt, size, afterTag: before.length === 0 });
        else {
          // From the TimeSeries tag when that series had the same size and nothing between its length and the name.
          if (last.afterTag && before.length === 0 && last.size === size && tagAt - last.tagAt <= MAX_COPY_OFFSET) this.hint(tagAt, p - tagAt + nameField.length, last.tagAt);
          else if (p - last.at <= MAX_COPY_OFFSET) this.hint(p, nameField.length, last.at);
          last.at = p;
          last.tagAt = tagAt;
          last.size = size;
          last.afterTag = before.length === 0;
        }
      }
      p = copyBytes(buf, p, nameField);
      if (after.length >= 4) {
        // With the sample's first bytes (tag, length, and the value's tag) when the last copy was followed by the same.
        const headerKey = zero ? -1 - sampleLength : sampleLength; // length and whether a value field follows
        const header = cache.afterSampleLength !== headerKey ? 0 : zero ? 2 : 3;
        if (cache.afterAt >= 0 && p - cache.afterAt <= MAX_COPY_OFFSET) this.hint(p, after.length + header, cache.afterAt);
        cache.afterAt = p;
        cache.afterSampleLength = headerKey;
      }
      p = copyBytes(buf, p, after);
      buf[p++] = TAG_SAMPLES;
      buf[p++] = sampleLength;
      if (!zero) {
        buf[p] = TAG_SAMPLE_VALUE;
        this.view.setFloat64(p + 1, value, true);
        p += 9;
      }
      if (ts !== 0) {
        // The same timestamp field for every member: a copy of the last one.
        if (tsAt >= 0 && p - tsAt <= MAX_COPY_OFFSET) this.hint(p, tsLength, tsAt);
        if (tsAt !== -2) tsAt = p;
        buf[p++] = TAG_SAMPLE_TIMESTAMP;
        p = putVarint(buf, p, ts);
      }
    }
    return p;
  }

  private hint(at: number, length: number, source: number): void {
    let data = this.hintData;
    if (3 * this.hintCount + 3 > data.length) {
      const grown = new Int32Array(data.length * 2);
      grown.set(data);
      this.hintData = data = grown;
    }
    const i = 3 * this.hintCount++;
    data[i] = at;
    data[i + 1] = length;
    data[i + 2] = source;
  }

  private sameRun(cache: NamesCache, values: readonly string[]): boolean {
    if (!cache.hasRun) return false;
    const run = cache.runValues;
    const ni = cache.nameIndex;
    for (let j = 0; j < values.length; j++) if (j !== ni && values[j] !== run[j]) return false;
    return true;
  }

  /** The fields before and after the name's, concatenated, for these values (from the label slots). */
  private buildRun(cache: NamesCache, values: readonly string[]): void {
    const ni = cache.nameIndex;
    const slots = cache.slots;
    let beforeLength = 0;
    let afterLength = 0;
    for (let j = 0; j < values.length; j++) {
      if (j === ni) continue;
      const n = this.labelField(slots[j]!, values[j]!).length;
      if (j < ni) beforeLength += n;
      else afterLength += n;
      cache.runValues[j] = values[j];
    }
    const before = beforeLength ? new Uint8Array(beforeLength) : EMPTY;
    const after = afterLength ? new Uint8Array(afterLength) : EMPTY;
    let b = 0;
    let a = 0;
    for (let j = 0; j < values.length; j++) {
      if (j === ni) continue;
      const field = slots[j]!.lastField;
      if (j < ni) {
        before.set(field, b);
        b += field.length;
      } else {
        after.set(field, a);
        a += field.length;
      }
    }
    cache.before = before;
    cache.after = after;
    cache.hasRun = true;
    cache.beforeAt = -1; // new bytes: not in the buffer yet
    cache.afterAt = -1;
  }

  private writeMetadata(m: MetricMetadata, start: number): number {
    const name = m.name ? textEncoder.encode(m.name) : EMPTY;
    const help = m.help ? textEncoder.encode(m.help) : EMPTY;
    const unit = m.unit ? textEncoder.encode(m.unit) : EMPTY;
    const type = metricTypeNumbers[m.type] ?? 0;
    const field = (l: number) => (l ? 1 + varintLength(l) + l : 0);
    const body = (type !== 0 ? 1 + varintLength(type) : 0) + field(name.length) + field(help.length) + field(unit.length);
    this.ensure(start + 1 + varintLength(body) + body);
    const buf = this.buf;
    let p = start;
    buf[p++] = TAG_METADATA;
    p = putVarint(buf, p, body);
    if (type !== 0) {
      buf[p++] = TAG_META_TYPE;
      p = putVarint(buf, p, type);
    }
    p = putBytes(buf, p, TAG_META_FAMILY, name);
    p = putBytes(buf, p, TAG_META_HELP, help);
    return putBytes(buf, p, TAG_META_UNIT, unit);
  }
}

const EMPTY = new Uint8Array(0);
/** Where a name field was last written: at `at`, in the TimeSeries whose tag is at `tagAt`, of `size`. */
interface FieldPlace {
  at: number;
  tagAt: number;
  size: number;
  /** Whether the field came right after the TimeSeries' length (no label sorts before `__name__`). */
  afterTag: boolean;
}

/** Snappy copies reach back at most this far (two-byte offsets). */
const MAX_COPY_OFFSET = 0xffff;
/** Rough bytes a Map entry, its key and a small typed array cost beyond their contents. */
const ENTRY_OVERHEAD = 96;

/** The caches of one `names` array: per position, and the run of label bytes but the name's of the last series. */
interface NamesCache {
  slots: LabelSlot[];
  /** Position of `__name__`, -1 when absent. */
  nameIndex: number;
  /** Values (all but the name's) the run was built for. */
  runValues: Array<string | undefined>;
  before: Uint8Array;
  after: Uint8Array;
  hasRun: boolean;
  /** Where the current run's bytes were last written, in the buffer of encode() call `generation`; -1 if not. */
  beforeAt: number;
  afterAt: number;
  /** The values of the last plain series written with these names (a second one with the same labels builds a run). */
  lastValues: readonly string[] | undefined;
  /** The sample length of the series whose run is at `afterAt` (its sample's header follows the run), negative (-1 - length) when it has no value field. */
  afterSampleLength: number;
  generation: number;
}

/** The cache for one label name at one position of a `names` array. */
interface LabelSlot {
  name: string;
  fields: Map<string, Uint8Array>;
  lastValue: string | undefined;
  lastField: Uint8Array;
}

/** A whole `labels` field: tag, length, then Label{name, value}. */
function encodeLabelField(name: string, value: string): Uint8Array {
  const n = textEncoder.encode(name);
  const v = textEncoder.encode(value);
  const body = 2 + varintLength(n.length) + n.length + varintLength(v.length) + v.length;
  const field = new Uint8Array(1 + varintLength(body) + body);
  let p = 0;
  field[p++] = TAG_LABELS;
  p = putVarint(field, p, body);
  field[p++] = TAG_NAME;
  p = putVarint(field, p, n.length);
  field.set(n, p);
  p += n.length;
  field[p++] = TAG_VALUE;
  p = putVarint(field, p, v.length);
  field.set(v, p);
  return field;
}

/** Whether two value lists are equal but (maybe) at `nameIndex`. */
function sameButName(a: readonly string[], b: readonly string[], nameIndex: number): boolean {
  if (a.length !== b.length) return false;
  for (let j = 0; j < a.length; j++) if (j !== nameIndex && a[j] !== b[j]) return false;
  return true;
}

/** Short byte strings copy faster in a loop than through TypedArray.set's call overhead. */
function copyBytes(buf: Uint8Array, p: number, b: Uint8Array): number {
  const n = b.length;
  if (n > 16) buf.set(b, p);
  else for (let i = 0; i < n; i++) buf[p + i] = b[i]!;
  return p + n;
}

/** Varint of an integer; negative values are written as 64-bit two's complement (10 bytes), as int64 requires. */
function putVarint(buf: Uint8Array, pos: number, v: number): number {
  if (v >= 0 && v < 0x80000000) {
    while (v > 0x7f) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[pos++] = v;
    return pos;
  }
  if (v < 0) {
    let big = BigInt.asUintN(64, BigInt(v));
    while (big > 0x7fn) {
      buf[pos++] = Number(big & 0x7fn) | 0x80;
      big >>= 7n;
    }
    buf[pos++] = Number(big);
    return pos;
  }
  // 2^31 <= v < 2^53 (e.g. millisecond timestamps): low 32 bits, then the high part.
  let lo = v >>> 0;
  let hi = Math.floor(v / TWO_POW_32);
  for (let i = 0; i < 4; i++) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo >>>= 7;
  }
  // 28 bits written; the next byte carries lo's top 4 bits and hi's low 3 bits.
  let rest = lo | ((hi & 0x7) << 4);
  hi >>>= 3;
  while (hi > 0) {
    buf[pos++] = rest | 0x80;
    rest = hi & 0x7f;
    hi >>>= 7;
  }
  buf[pos++] = rest;
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
  return v === 0 && 1 / v > 0;
}

function sampleBodyLength(value: number, timestampMs: number, stale: boolean): number {
  return (stale || !isPositiveZero(value) ? 9 : 0) + (timestampMs !== 0 ? 1 + varintLength(timestampMs) : 0);
}
