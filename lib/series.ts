/**
 * The data model that flows from sources to the remote-write sender.
 * Sources build these; only lib/remote-write knows how they go on the wire.
 */

/** Label name → value. Must include `__name__`. Empty values are dropped before sending. */
export type Labels = Record<string, string>;

export interface Sample {
  /** float64 value; ignored when `stale` is true. */
  value: number;
  /** Milliseconds since the Unix epoch (integer). */
  timestampMs: number;
  /** A Prometheus stale marker; encoded with the exact bits 0x7ff0000000000002. Never use NaN for this. */
  stale?: boolean;
}

export interface Series {
  labels: Labels;
  /** Oldest first. */
  samples: Sample[];
}

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'info' | 'stateset' | 'unknown';

export interface MetricMetadata {
  /** Metric family name (the `__name__` of its series). */
  name: string;
  type: MetricType;
  help: string;
  unit?: string;
}

/** One series with a single sample: the common case for a collector. */
export function gauge(labels: Labels, value: number, timestampMs: number): Series {
  return { labels, samples: [{ value, timestampMs }] };
}

/** A stale marker series for a label set that disappeared. */
export function staleMarker(labels: Labels, timestampMs: number): Series {
  return { labels, samples: [{ value: 0, timestampMs, stale: true }] };
}

/**
 * A stable identity for a label set: labels sorted by name, joined with separators that cannot
 * appear unescaped. Used for stale-marker bookkeeping and de-duplication.
 */
export function seriesKey(labels: Labels): string {
  const names = Object.keys(labels).sort();
  let key = '';
  for (const name of names) {
    const value = labels[name];
    if (value === undefined || value === '') continue;
    key += name + '\u0000' + value + '\u0001';
  }
  return key;
}

/** Inverse of seriesKey. */
export function labelsFromKey(key: string): Labels {
  const labels: Labels = {};
  for (const pair of key.split('\u0001')) {
    if (pair === '') continue;
    const i = pair.indexOf('\u0000');
    labels[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return labels;
}

/** Merges series with the same label set (e.g. samples kept from the last run and this run's), oldest first. */
export function mergeSeries(series: readonly Series[]): Series[] {
  const indexByKey = new Map<string, number>();
  const out: Series[] = [];
  for (const s of series) {
    const key = seriesKey(s.labels);
    const at = indexByKey.get(key);
    if (at === undefined) {
      indexByKey.set(key, out.length);
      out.push(s);
    } else {
      out[at] = withSamplesOf(out[at]!, s);
    }
  }
  return out;
}

/** `first` with the samples of `other` added, oldest first (the receiver needs each series in timestamp order). */
export function withSamplesOf(first: Series, other: Series): Series {
  return { labels: first.labels, samples: [...first.samples, ...other.samples].sort((a, b) => a.timestampMs - b.timestampMs) };
}

/**
 * Series that share every label but `__name__`, one sample each at one timestamp: how Spark reports an executor (~40
 * metrics with one label set). The hot path carries these instead of one labels object, samples array and sample per
 * series; `labels` has no `__name__`, `names[i]` is the metric name of the sample `values[i]`, and the names are
 * distinct. Never mutated once handed on.
 */
export interface SeriesGroup {
  labels: Labels;
  names: string[];
  values: number[];
  timestampMs: number;
}

/** The group as plain series (where the hot path's shape is not needed: dry runs, tests, in-memory collection). */
export function expandGroup(group: SeriesGroup, into: Series[] = []): Series[] {
  for (let i = 0; i < group.names.length; i++) {
    const labels: Labels = { __name__: '', ...group.labels };
    labels.__name__ = group.names[i]!; // the member's name, even if the labels (wrongly) carry one
    into.push({ labels, samples: [{ value: group.values[i]!, timestampMs: group.timestampMs }] });
  }
  return into;
}

/** Samples (= series) a list of groups carries. */
export function groupSamples(groups: readonly SeriesGroup[]): number {
  let n = 0;
  for (let i = 0; i < groups.length; i++) n += groups[i]!.names.length;
  return n;
}
