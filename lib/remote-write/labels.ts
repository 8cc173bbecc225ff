import type { Sample, Series, SeriesGroup } from '../series';
import type { PreparedGroup } from './prepared-group';

/**
 * Label hygiene before encoding: what remote write 1.0 and Azure Monitor require of a series.
 *
 * - labels sorted by name (byte order), unique, empty values dropped, `__name__` required;
 * - label names: characters outside `[a-zA-Z0-9_]` become `_`, a leading digit gets a `_` prefix;
 * - metric names must match `[a-zA-Z_:][a-zA-Z0-9_:]*` (not rewritten: a renamed metric is a different metric);
 * - Azure limits: at most 63 labels, names ≤ 511 characters, values ≤ 1023, metric name ≤ 511;
 * - names equal ignoring case (Azure is case-insensitive) are duplicates;
 * - samples with non-integer or non-finite timestamps are dropped; the rest sorted, a repeated timestamp keeps the
 *   last sample.
 * An offending series is DROPPED and counted (series and samples) under a reason constant, never truncated.
 *
 * API:
 *   prepareEach(input: Iterable<Series>, drops, { dropDuplicateSeries? }): Generator<PreparedSeries>   // lazy
 *   prepareSeries(input: readonly Series[], drops): PreparedSeries[]        // eager; repeated label sets dropped
 *   new DropCounter() → .series / .samples (Record<reason, count>), .totalSeries, .totalSamples
 *
 * Design for speed: series built by the same code have the same label keys in the same order, so the work on names
 * (sanitising, sorting, limits, duplicates) is done once per distinct key list ("shape") and reused; each prepared
 * series then costs one pass over its values. Series of one shape share the `names` array, which lets the encoder
 * cache encoded label fields per (names array, position, value).
 */

/**
 * A series ready to encode. `names` is shared by every series with the same label names (never mutate it);
 * `values[i]` belongs to `names[i]`; `samples` are in strictly increasing timestamp order with integer timestamps.
 */
export interface PreparedSeries {
  names: string[];
  values: string[];
  samples: Sample[];
}

export const reasonMissingName = 'missing_metric_name';
export const reasonInvalidMetricName = 'invalid_metric_name';
export const reasonMetricNameTooLong = 'metric_name_too_long';
export const reasonInvalidLabelName = 'invalid_label_name';
export const reasonTooManyLabels = 'too_many_labels';
export const reasonLabelNameTooLong = 'label_name_too_long';
export const reasonLabelValueTooLong = 'label_value_too_long';
export const reasonDuplicateLabel = 'duplicate_label_name';
export const reasonNoSamples = 'no_samples';
export const reasonBadTimestamp = 'bad_timestamp';
export const reasonDuplicateTimestamp = 'duplicate_timestamp';
export const reasonDuplicateSeries = 'duplicate_series';
/** Used by batch.ts / sender.ts: a single sample too large for the byte cap. */
export const reasonOversize = 'oversize';
/** Used by sender.ts: samples that would reach the receiver too old to be kept. */
export const reasonTooOld = 'too_old';

/** Azure Monitor managed Prometheus limits (per series). */
export const azureLimits = { maxLabels: 63, maxNameLength: 511, maxValueLength: 1023 } as const;

/** Counts what was dropped, by reason: series and the samples they carried. */
export class DropCounter {
  readonly series: Record<string, number> = {};
  readonly samples: Record<string, number> = {};
  /** `series` 0 counts samples only (a sample dropped from a series that is kept). */
  add(reason: string, samples: number, series = 1): void {
    if (series) this.series[reason] = (this.series[reason] ?? 0) + series;
    if (samples) this.samples[reason] = (this.samples[reason] ?? 0) + samples;
  }
  get totalSamples(): number {
    let n = 0;
    for (const k in this.samples) n += this.samples[k]!;
    return n;
  }
  get totalSeries(): number {
    let n = 0;
    for (const k in this.series) n += this.series[k]!;
    return n;
  }
}

const validLabelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Replaces characters a label name may not have with `_` (a leading digit gets a `_` prefix). */
export function sanitizeLabelName(name: string): string {
  if (validLabelName.test(name)) return name;
  const replaced = name.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(replaced) ? `_${replaced}` : replaced;
}

/**
 * What a list of raw label names (in object order) comes to: sanitised names in sorted order, where each came from,
 * and whether the set is acceptable. Series built by the same code share their key lists, so this is worked out once
 * per distinct list and looked up afterwards (the last few by identity of the keys, then a bounded Map).
 */
interface LabelShape {
  keys: string[];
  /** Sanitised names, sorted. */
  names: string[];
  /** order[i] = index in `keys` of names[i]. */
  order: number[];
  /** Index of `__name__` in `names`. */
  nameIndex: number;
  /** '' when fine, else the drop reason. */
  reason: string;
}

const RECENT_SHAPES = 8;
const SHAPE_CACHE_LIMIT = 10_000;
const recentShapes: LabelShape[] = [];
let recentNext = 0;
const shapeCache = new Map<string, LabelShape>();

function labelShape(keys: readonly string[], n: number): LabelShape {
  for (let r = 0; r < recentShapes.length; r++) {
    const shape = recentShapes[r]!;
    const k = shape.keys;
    if (k.length !== n) continue;
    let i = 0;
    while (i < n && k[i] === keys[i]) i++;
    if (i === n) return shape;
  }
  const own = keys.slice(0, n);
  const id = own.join('\u0000');
  let shape = shapeCache.get(id);
  // A key holding the separator could make two lists share an id: trust a hit only if the keys are the same.
  if (shape === undefined || shape.keys.length !== n || shape.keys.some((k, i) => k !== own[i])) {
    shape = buildShape(own);
    if (shapeCache.size >= SHAPE_CACHE_LIMIT) shapeCache.clear();
    shapeCache.set(id, shape);
  }
  recentShapes[recentNext] = shape;
  recentNext = (recentNext + 1) % RECENT_SHAPES;
  return shape;
}

function buildShape(keys: string[]): LabelShape {
  const sanitized = keys.map((k) => (k === '__name__' ? k : sanitizeLabelName(k)));
  const order = keys.map((_, i) => i).sort((a, b) => (sanitized[a]! < sanitized[b]! ? -1 : sanitized[a]! > sanitized[b]! ? 1 : 0));
  const names = order.map((i) => sanitized[i]!);
  const shape: LabelShape = { keys, names, order, nameIndex: names.indexOf('__name__'), reason: '' };
  const folded = new Set<string>();
  if (shape.nameIndex < 0) shape.reason = reasonMissingName;
  else if (keys.some((k) => k === '')) shape.reason = reasonInvalidLabelName;
  else if (names.length > azureLimits.maxLabels) shape.reason = reasonTooManyLabels;
  else if (names.some((k) => k.length > azureLimits.maxNameLength)) shape.reason = reasonLabelNameTooLong;
  // Exact repeats (e.g. `a-b` and `a_b` once sanitised) and names equal ignoring case (Azure is case-insensitive).
  else if (names.some((k) => folded.size === folded.add(k.toLowerCase()).size)) shape.reason = reasonDuplicateLabel;
  return shape;
}

const validMetricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Metric names repeat endlessly: check each once (bounded; cleared when full). */
const metricNameVerdicts = new Map<string, string>();
const METRIC_CACHE_LIMIT = 10_000;

function metricNameVerdict(name: string): string {
  let verdict = metricNameVerdicts.get(name);
  if (verdict === undefined) {
    verdict = name.length > azureLimits.maxNameLength ? reasonMetricNameTooLong : validMetricName.test(name) ? '' : reasonInvalidMetricName;
    if (metricNameVerdicts.size >= METRIC_CACHE_LIMIT) metricNameVerdicts.clear();
    metricNameVerdicts.set(name, verdict);
  }
  return verdict;
}

/**
 * Series fit to send, one at a time (memory bounded by what the caller keeps). Repeated label sets across series are
 * only looked for with `{ dropDuplicateSeries: true }`, which keeps every key seen (memory grows with the number of
 * series); otherwise callers merge first (lib/series.ts mergeSeries), as the cycle does.
 */
export function* prepareEach(input: Iterable<Series>, drops: DropCounter, options: { dropDuplicateSeries?: boolean } = {}): Generator<PreparedSeries> {
  const preparer = new SeriesPreparer(drops);
  const seen = options.dropDuplicateSeries ? new Set<string>() : undefined;
  for (const series of input) {
    const prepared = preparer.prepare(series);
    if (prepared === undefined) continue;
    if (seen !== undefined) {
      const key = preparedKey(prepared);
      if (seen.has(key)) {
        drops.add(reasonDuplicateSeries, prepared.samples.length);
        continue;
      }
      seen.add(key);
    }
    yield prepared;
  }
}

/** All series at once, with repeated label sets (after normalisation) dropped: the first wins, the rest are counted. */
export function prepareSeries(input: readonly Series[], drops: DropCounter): PreparedSeries[] {
  return [...prepareEach(input, drops, { dropDuplicateSeries: true })];
}

/** Identity of a prepared label set. */
export function preparedKey(s: PreparedSeries): string {
  let key = '';
  for (let i = 0; i < s.names.length; i++) key += s.names[i] + '\u0000' + s.values[i] + '\u0001';
  return key;
}

/**
 * One series at a time, for a caller that walks its input itself (the sender's lanes: no generator frame and no
 * iterator result per series on the hot path). Keeps its scratch arrays between calls.
 */
export class SeriesPreparer {
  readonly keys: string[] = [];
  readonly values: string[] = [];
  /** The group whose label set was prepared last, and what it came to. */
  private group: SeriesGroup | undefined;
  private groupShape: LabelShape | undefined;
  /** Sorted values of the group's labels, the name's slot empty (shared by the group's prepared parts, never mutated). */
  private groupValues: string[] = [];
  private groupReason = '';

  constructor(private readonly drops: DropCounter) {}

  /** The series fit to send, or undefined when it was dropped (and counted). */
  prepare(series: Series): PreparedSeries | undefined {
    return prepareOne(series, this.drops, this.keys, this.values);
  }

  /**
   * A group's members, as prepare() would make each of them given whole, in one part: the group's labels are
   * checked and sorted once; a member whose metric name is not valid is dropped (and counted) on its own, a group
   * whose labels are not valid with all its members.
   */
  prepareGroup(group: SeriesGroup): PreparedGroup | undefined {
    const n = group.names.length;
    if (n === 0) return undefined;
    if (group !== this.group) this.startGroup(group);
    if (this.groupReason !== '') {
      this.drops.add(this.groupReason, n, n);
      return undefined;
    }
    // The group's own arrays, unless a member is dropped (rare): then copies of the valid members.
    let names: string[] | undefined;
    let values: number[] | undefined;
    for (let k = 0; k < n; k++) {
      const name = group.names[k]!;
      const verdict = name === '' ? reasonMissingName : metricNameVerdict(name);
      if (verdict === '') {
        names?.push(name);
        values?.push(group.values[k]!);
        continue;
      }
      this.drops.add(verdict, 1);
      names ??= group.names.slice(0, k);
      values ??= group.values.slice(0, k);
    }
    if (names?.length === 0) return undefined;
    const metricNames: readonly string[] = names ?? group.names;
    const sampleValues: readonly number[] = values ?? group.values;
    const shape = this.groupShape!;
    return { kind: 'group', names: shape.names, values: this.groupValues, nameIndex: shape.nameIndex, metricNames, sampleValues, timestampMs: group.timestampMs, from: 0, to: metricNames.length };
  }

  private startGroup(group: SeriesGroup): void {
    this.group = group;
    const keys = this.keys;
    const raw = this.values;
    const labels = group.labels;
    let n = 0;
    for (const key in labels) {
      const value = labels[key];
      if (key === '__name__' || value === undefined || value === '') continue;
      keys[n] = key;
      raw[n] = value;
      n++;
    }
    keys[n] = '__name__';
    raw[n] = '';
    n++;
    const shape = labelShape(keys, n);
    this.groupShape = shape;
    this.groupReason = shape.reason;
    if (this.groupReason === '' && !Number.isSafeInteger(group.timestampMs)) this.groupReason = reasonBadTimestamp;
    const sorted = new Array<string>(n);
    for (let j = 0; j < n && this.groupReason === ''; j++) {
      const v = raw[shape.order[j]!]!;
      if (v.length > azureLimits.maxValueLength) this.groupReason = reasonLabelValueTooLong;
      sorted[j] = v;
    }
    this.groupValues = sorted;
  }
}

function prepareOne(series: Series, drops: DropCounter, keys: string[], values: string[]): PreparedSeries | undefined {
  const sampleCount = series.samples.length;
  if (sampleCount === 0) {
    drops.add(reasonNoSamples, 0);
    return undefined;
  }
  // Collect raw keys and values; labels with empty values are left out.
  const labels = series.labels;
  let n = 0;
  for (const key in labels) {
    const value = labels[key];
    if (value === undefined || value === '') continue;
    keys[n] = key;
    values[n] = value;
    n++;
  }
  const shape = labelShape(keys, n);
  if (shape.reason !== '') {
    drops.add(shape.reason, sampleCount);
    return undefined;
  }
  const order = shape.order;
  const sorted = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const v = values[order[i]!]!;
    if (v.length > azureLimits.maxValueLength) {
      drops.add(reasonLabelValueTooLong, sampleCount);
      return undefined;
    }
    sorted[i] = v;
  }
  const verdict = metricNameVerdict(sorted[shape.nameIndex]!);
  if (verdict !== '') {
    drops.add(verdict, sampleCount);
    return undefined;
  }
  const samples = orderedSamples(series.samples, drops);
  if (samples.length === 0) {
    drops.add(reasonBadTimestamp, 0);
    return undefined;
  }
  return { names: shape.names, values: sorted, samples };
}

/** Integer, finite timestamps in increasing order; for a repeated timestamp the last sample wins. */
export function orderedSamples(samples: readonly Sample[], drops: DropCounter): Sample[] {
  let sorted = true;
  let clean = true;
  let prev = -Infinity;
  for (let i = 0; i < samples.length; i++) {
    const ts = samples[i]!.timestampMs;
    if (!Number.isSafeInteger(ts)) clean = false;
    else if (ts <= prev) sorted = false;
    else prev = ts;
  }
  if (sorted && clean) return samples as Sample[];
  const valid: Sample[] = [];
  for (const s of samples) {
    if (Number.isSafeInteger(s.timestampMs)) valid.push(s);
    else drops.add(reasonBadTimestamp, 1, 0);
  }
  // Array.prototype.sort is stable: equal timestamps keep input order, so the last one read is the last kept.
  valid.sort((a, b) => a.timestampMs - b.timestampMs);
  const out: Sample[] = [];
  for (const s of valid) {
    if (out.length && out[out.length - 1]!.timestampMs === s.timestampMs) {
      out[out.length - 1] = s;
      drops.add(reasonDuplicateTimestamp, 1, 0);
    } else out.push(s);
  }
  return out;
}
