import type { Sample, Series } from '../series';

/**
 * Label hygiene before encoding: what remote write 1.0 and Azure Monitor require of a label set.
 * An offending series is dropped and counted with a reason, never silently truncated.
 */

/** A series ready to encode: label names sorted and unique, values non-empty, samples in timestamp order. */
export interface PreparedSeries {
  names: string[];
  values: string[];
  samples: Sample[];
}

export const reasonMissingName = 'missing_metric_name';
export const reasonTooManyLabels = 'too_many_labels';
export const reasonLabelNameTooLong = 'label_name_too_long';
export const reasonLabelValueTooLong = 'label_value_too_long';
export const reasonDuplicateLabel = 'duplicate_label_name';
export const reasonBadTimestamp = 'bad_timestamp';
export const reasonDuplicateTimestamp = 'duplicate_timestamp';
export const reasonOversize = 'oversize';
export const reasonDuplicateSeries = 'duplicate_series';
export const reasonTooOld = 'too_old';

/** Azure Monitor managed Prometheus limits (per series). */
export const azureLimits = { maxLabels: 63, maxNameLength: 511, maxValueLength: 1023 } as const;

/** Counts what was dropped, by reason: series and the samples they carried. */
export class DropCounter {
  readonly series: Record<string, number> = {};
  readonly samples: Record<string, number> = {};
  add(reason: string, samples: number, series = 1): void {
    if (series) this.series[reason] = (this.series[reason] ?? 0) + series;
    if (samples) this.samples[reason] = (this.samples[reason] ?? 0) + samples;
  }
  get totalSamples(): number {
    let n = 0;
    for (const k in this.samples) n += this.samples[k]!;
    return n;
  }
}

const validName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const validLabelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Replaces characters a label name may not have with `_` (a leading digit gets a `_` prefix). */
export function sanitizeLabelName(name: string): string {
  if (validLabelName.test(name)) return name;
  const replaced = name.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(replaced) ? `_${replaced}` : replaced;
}

/** Same for metric names, which may also hold colons. */
export function sanitizeMetricName(name: string): string {
  if (validName.test(name)) return name;
  const replaced = name.replace(/[^a-zA-Z0-9_:]/g, '_');
  return /^[0-9]/.test(replaced) ? `_${replaced}` : replaced;
}

/** Series fit to send, one at a time: memory stays bounded by what the caller keeps, not by the input size. */
export function* prepareEach(input: Iterable<Series>, drops: DropCounter): Generator<PreparedSeries> {
  for (const series of input) {
    const prepared = prepareOne(series, drops);
    if (prepared !== undefined) yield prepared;
  }
}

/**
 * Validates and normalises series into an array. Series with the same label set (e.g. samples kept from the last
 * run and this run's) are merged into one, in timestamp order.
 */
export function prepareSeries(input: readonly Series[], drops: DropCounter): PreparedSeries[] {
  const out: PreparedSeries[] = [];
  const byKey = new Map<string, PreparedSeries>();
  let merged: Set<PreparedSeries> | undefined;
  for (const prepared of prepareEach(input, drops)) {
    const key = preparedKey(prepared);
    const first = byKey.get(key);
    if (first !== undefined) {
      first.samples = [...first.samples, ...prepared.samples];
      (merged ??= new Set()).add(first);
      continue;
    }
    byKey.set(key, prepared);
    out.push(prepared);
  }
  if (merged) for (const s of merged) s.samples = orderedSamples(s.samples, drops);
  return out;
}

/** Identity of a prepared label set. */
export function preparedKey(s: PreparedSeries): string {
  let key = '';
  for (let i = 0; i < s.names.length; i++) key += s.names[i] + '\u0000' + s.values[i] + '\u0001';
  return key;
}

interface NameInfo {
  name: string;
  hasUpper: boolean;
}

/** Label and metric names repeat endlessly: validate and fold each once (bounded, cleared when full). */
const labelNames = new Map<string, NameInfo>();
const metricNames = new Map<string, string>();
const NAME_CACHE_LIMIT = 10_000;

function labelNameInfo(raw: string): NameInfo {
  let info = labelNames.get(raw);
  if (info === undefined) {
    const name = raw === '__name__' ? raw : sanitizeLabelName(raw);
    info = { name, hasUpper: name.toLowerCase() !== name };
    if (labelNames.size >= NAME_CACHE_LIMIT) labelNames.clear();
    labelNames.set(raw, info);
  }
  return info;
}

function metricName(raw: string): string {
  let name = metricNames.get(raw);
  if (name === undefined) {
    name = sanitizeMetricName(raw);
    if (metricNames.size >= NAME_CACHE_LIMIT) metricNames.clear();
    metricNames.set(raw, name);
  }
  return name;
}

function prepareOne(series: Series, drops: DropCounter): PreparedSeries | undefined {
  const sampleCount = series.samples.length;
  if (sampleCount === 0) return undefined; // nothing to send and nothing lost
  const labels = series.labels;
  const rawName = labels.__name__;
  if (rawName === undefined || rawName === '') {
    drops.add(reasonMissingName, sampleCount);
    return undefined;
  }
  const names: string[] = [];
  const values: string[] = [];
  let anyUpper = false;
  for (const rawKey in labels) {
    const value = labels[rawKey];
    if (value === undefined || value === '') continue;
    const info = labelNameInfo(rawKey);
    const v = rawKey === '__name__' ? metricName(value) : value;
    // Insertion sort into the parallel arrays: label sets are small.
    let i = names.length;
    names.push(info.name);
    values.push(v);
    while (i > 0 && names[i - 1]! > info.name) {
      names[i] = names[i - 1]!;
      values[i] = values[i - 1]!;
      i--;
    }
    names[i] = info.name;
    values[i] = v;
    if (info.hasUpper) anyUpper = true;
  }
  if (names.length > azureLimits.maxLabels) {
    drops.add(reasonTooManyLabels, sampleCount);
    return undefined;
  }
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    if (name.length > azureLimits.maxNameLength || (name === '__name__' && values[i]!.length > azureLimits.maxNameLength)) {
      drops.add(reasonLabelNameTooLong, sampleCount);
      return undefined;
    }
    if (values[i]!.length > azureLimits.maxValueLength) {
      drops.add(reasonLabelValueTooLong, sampleCount);
      return undefined;
    }
    // Exact repeats (after sanitising) are adjacent once sorted.
    if (i > 0 && names[i - 1] === name) {
      drops.add(reasonDuplicateLabel, sampleCount);
      return undefined;
    }
  }
  // Names differing only in case collide in Azure Monitor, which is case-insensitive.
  if (anyUpper) {
    const folded = names.map((n) => n.toLowerCase());
    for (let i = 0; i < folded.length; i++) {
      for (let j = i + 1; j < folded.length; j++) {
        if (folded[i] === folded[j]) {
          drops.add(reasonDuplicateLabel, sampleCount);
          return undefined;
        }
      }
    }
  }
  const samples = orderedSamples(series.samples, drops);
  return samples.length ? { names, values, samples } : undefined;
}

/** Integer, finite timestamps in increasing order; for a repeated timestamp the last sample wins. */
function orderedSamples(samples: readonly Sample[], drops: DropCounter): Sample[] {
  let sorted = true;
  let clean = true;
  for (let i = 0; i < samples.length; i++) {
    const ts = samples[i]!.timestampMs;
    if (!Number.isSafeInteger(ts)) clean = false;
    if (i > 0 && ts <= samples[i - 1]!.timestampMs) sorted = false;
  }
  if (sorted && clean) return samples as Sample[];
  const valid: Sample[] = [];
  for (const s of samples) {
    if (Number.isSafeInteger(s.timestampMs)) valid.push(s);
    else drops.add(reasonBadTimestamp, 1, 0);
  }
  const indexed = valid.map((s, i) => [s, i] as const);
  indexed.sort((a, b) => a[0].timestampMs - b[0].timestampMs || a[1] - b[1]);
  const out: Sample[] = [];
  for (const [s] of indexed) {
    if (out.length && out[out.length - 1]!.timestampMs === s.timestampMs) {
      out[out.length - 1] = s;
      drops.add(reasonDuplicateTimestamp, 1, 0);
    } else out.push(s);
  }
  return out;
}
