import type { Series } from '../series';
import type { PreparedSeries } from './labels';

/**
 * Members of a SeriesGroup ready to encode, without an object per member: `names` and `values` are the group's label
 * names (with `__name__`, sorted, shared by every group of that shape) and values in that order (the name's slot,
 * `nameIndex`, is never read); member k, for k in [from, to), is the series named `metricNames[k]` with the one sample
 * (`sampleValues[k]`, `timestampMs`). A part of a batch, as a PreparedSeries is; batching cuts a group between members
 * by narrowing [from, to).
 */
export interface PreparedGroup {
  readonly kind: 'group';
  readonly names: string[];
  readonly values: string[];
  readonly nameIndex: number;
  readonly metricNames: readonly string[];
  readonly sampleValues: readonly number[];
  readonly timestampMs: number;
  readonly from: number;
  readonly to: number;
}

/** What a batch carries: series one by one, or runs of a group's members. */
export type PreparedPart = PreparedSeries | PreparedGroup;

export function isGroup(part: PreparedPart): part is PreparedGroup {
  return (part as PreparedGroup).kind === 'group';
}

/** Samples a part carries (a group member has one). */
export function partSamples(part: PreparedPart): number {
  return isGroup(part) ? part.to - part.from : part.samples.length;
}

/** Series a part stands for. */
export function partSeries(part: PreparedPart): number {
  return isGroup(part) ? part.to - part.from : 1;
}

/** Series in a list of parts (drop counts are by series). */
export function seriesIn(parts: readonly PreparedPart[]): number {
  let n = 0;
  for (let i = 0; i < parts.length; i++) n += partSeries(parts[i]!);
  return n;
}

/** Members [from, to) of a group, as a part of its own. */
export function sliceGroup(g: PreparedGroup, from: number, to: number): PreparedGroup {
  return { kind: 'group', names: g.names, values: g.values, nameIndex: g.nameIndex, metricNames: g.metricNames, sampleValues: g.sampleValues, timestampMs: g.timestampMs, from, to };
}

/** Member k as a prepared series (the slow path: handing back what could not be delivered). */
export function memberSeries(g: PreparedGroup, k: number): PreparedSeries {
  const values = g.values.slice();
  values[g.nameIndex] = g.metricNames[k]!;
  return { names: g.names, values, samples: [{ value: g.sampleValues[k]!, timestampMs: g.timestampMs }] };
}

/** A part's series as plain series (labels objects), e.g. to keep what could not be delivered for the next run. */
export function partToSeries(part: PreparedPart, into: Series[]): void {
  if (!isGroup(part)) {
    into.push(preparedToSeries(part));
    return;
  }
  for (let k = part.from; k < part.to; k++) into.push(preparedToSeries(memberSeries(part, k)));
}

function preparedToSeries(s: PreparedSeries): Series {
  const labels: Record<string, string> = {};
  for (let i = 0; i < s.names.length; i++) labels[s.names[i]!] = s.values[i]!;
  return { labels, samples: s.samples };
}
