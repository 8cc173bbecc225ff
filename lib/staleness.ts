import { gunzipSync, gzipSync } from 'node:zlib';
import { labelsFromKey, staleMarker, withSamplesOf, type Labels, type Series } from './series';
import type { StateStore } from './state/store';

/**
 * Stale markers for series that disappeared: a stateless run can only tell that a series ended by comparing with
 * the previous run's series set, kept per target in the state store.
 *
 * Most series of a target differ from others only by `__name__` (Spark: ~40 metrics per executor), so sets are kept
 * as "entities" (every label but the name, in canonical order) with the names seen for each. A run of consecutive
 * series with the same entity — how sources emit them — costs one key computation, not one per series.
 */
export class StalenessTracker {
  constructor(private readonly state: StateStore) {}

  private key(source: string, target: string, part?: string): string {
    return part === undefined ? `series-sets/${source}/${target}` : `series-sets/${source}/${target}/${part}`;
  }

  /**
   * Returns the current series with repeated label sets merged (a receiver would reject the repeat), and
   * stale-marker series (at `nowMs`) for every series of the previous set that is absent now; records the current
   * set. Series whose samples are all stale markers are not part of the set. `part` names a slice of the target that
   * owns its own set (queue fan-out). The set is replaced with a read-modify-write, so a concurrent run of the same
   * target makes this one compute its markers again against the newer set.
   */
  async update(source: string, target: string, current: readonly Series[], nowMs: number, part?: string): Promise<{ series: Series[]; markers: Series[] }> {
    const { series, entities, live } = indexSeries(current);
    return this.state.update(this.key(source, target, part), (stored) => {
      const markers = markersFor(decodeSet(stored), entities, series, nowMs);
      return { value: encodeSet(live), result: { series, markers } };
    });
  }
}

/** Merges repeated label sets and groups series by entity; `live` is the set to record. */
function indexSeries(current: readonly Series[]): { series: Series[]; entities: Map<string, Map<string, number>>; live: Map<string, string[]> } {
  const entities = new Map<string, Map<string, number>>();
  const series: Series[] = [];
  let lastLabels: Labels | undefined;
  let lastEntity = '';
  for (const s of current) {
    const entity = lastLabels !== undefined && sameEntity(s.labels, lastLabels) ? lastEntity : entityKey(s.labels);
    lastLabels = s.labels;
    lastEntity = entity;
    const name = s.labels.__name__ ?? '';
    let names = entities.get(entity);
    if (names === undefined) entities.set(entity, (names = new Map()));
    const at = names.get(name);
    if (at === undefined) {
      names.set(name, series.length);
      series.push(s);
    } else {
      series[at] = withSamplesOf(series[at]!, s);
    }
  }
  const live = new Map<string, string[]>();
  for (const [entity, names] of entities) {
    const liveNames: string[] = [];
    for (const [name, i] of names) if (series[i]!.samples.some((x) => !x.stale)) liveNames.push(name);
    if (liveNames.length) live.set(entity, liveNames);
  }
  return { series, entities, live };
}

function markersFor(previous: Map<string, string[]>, entities: Map<string, Map<string, number>>, series: readonly Series[], nowMs: number): Series[] {
  const markers: Series[] = [];
  for (const [entity, names] of previous) {
    const now = entities.get(entity);
    for (const name of names) {
      const i = now?.get(name);
      if (i !== undefined && series[i]!.samples.some((x) => !x.stale)) continue;
      const labels = labelsFromKey(entity);
      if (name !== '') labels.__name__ = name;
      markers.push(staleMarker(labels, nowMs));
    }
  }
  return markers;
}

/** Every label but `__name__`, sorted, empty values left out (as labelsFromKey reads it back). */
function entityKey(labels: Labels): string {
  const names = Object.keys(labels).sort();
  let key = '';
  for (const name of names) {
    if (name === '__name__') continue;
    const value = labels[name];
    if (value === undefined || value === '') continue;
    key += name + '\u0000' + value + '\u0001';
  }
  return key;
}

/** Same labels apart from `__name__`, compared without allocating. */
function sameEntity(a: Labels, b: Labels): boolean {
  let na = 0;
  for (const k in a) {
    if (k === '__name__') continue;
    if (a[k] !== b[k]) return false;
    na++;
  }
  let nb = 0;
  for (const k in b) if (k !== '__name__') nb++;
  return na === nb;
}

function encodeSet(set: Map<string, string[]>): { v: 3; gz: string } {
  const names: string[] = [];
  const index = new Map<string, number>();
  const parts: string[] = [];
  for (const [entity, list] of set) {
    const idx: number[] = [];
    for (const name of list) {
      let i = index.get(name);
      if (i === undefined) {
        i = names.length;
        names.push(name);
        index.set(name, i);
      }
      idx.push(i);
    }
    parts.push(entity + '\u0003' + idx.join(','));
  }
  const text = names.join('\u0002') + '\u0004' + parts.join('\u0004');
  return { v: 3, gz: gzipSync(Buffer.from(text, 'utf8'), { level: 1 }).toString('base64') };
}

function decodeSet(stored: unknown): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (typeof stored !== 'object' || stored === null) return out;
  const gz = (stored as { gz?: unknown }).gz;
  if (typeof gz !== 'string' || (stored as { v?: unknown }).v !== 3) return out;
  try {
    const text = gunzipSync(Buffer.from(gz, 'base64')).toString('utf8');
    const [nameList, ...groups] = text.split('\u0004');
    const names = nameList!.split('\u0002');
    for (const g of groups) {
      if (g === '') continue;
      const sep = g.lastIndexOf('\u0003');
      out.set(g.slice(0, sep), g.slice(sep + 1).split(',').map((i) => names[Number(i)] ?? ''));
    }
  } catch {
    // corrupt state: start a new set rather than fail the cycle
  }
  return out;
}
