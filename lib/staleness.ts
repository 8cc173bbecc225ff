import { gunzipSync, gzipSync } from 'node:zlib';
import { labelsFromKey, staleMarker, withSamplesOf, type Labels, type Series, type SeriesGroup } from './series';
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
   * owns its own set (queue fan-out).
   */
  async update(source: string, target: string, current: readonly Series[], nowMs: number, part?: string): Promise<{ series: Series[]; markers: Series[] }> {
    const session = await this.begin(source, target, part);
    const series = session.add(current);
    return { series, markers: await session.finish(nowMs) };
  }

  /** A target's series given in parts as they are collected (lib/stream): add() each part, then finish() once. */
  async begin(source: string, target: string, part?: string): Promise<StalenessSession> {
    return new StalenessSession(this.state, this.key(source, target, part));
  }
}

/**
 * Where a name of an entity stands: `2 × (serial of the series) + live`, serials counted across the session's parts,
 * so an entry of the part being added (serial ≥ the part's first) tells its index, and any entry whether the series
 * had a sample that is not a stale marker. No second pass over a part.
 */
const isLive = (entry: number) => entry % 2 === 1;

/** One target's series set being built part by part; finish() sends markers against the previous set and records it. */
export class StalenessSession {
  private readonly entities = new Map<string, Map<string, number>>();
  /** Serial of the next part's first series. */
  private serial = 0;
  /** Label sets repeated in a later part than their first: already handed on, so the repeat is left out. */
  repeatsDropped = 0;

  constructor(
    private readonly state: StateStore,
    private readonly stateKey: string,
  ) {}

  /** The part with repeated label sets merged (within the part) or left out (seen in an earlier part). */
  add(current: readonly Series[]): Series[] {
    const series: Series[] = [];
    const first = this.serial;
    let lastLabels: Labels | undefined;
    /** Labels but the name of the last series, and its entity's names. */
    let lastCount = -1;
    let names: Map<string, number> | undefined;
    for (let k = 0; k < current.length; k++) {
      const s = current[k]!;
      const labels = s.labels;
      if (names === undefined || lastCount !== sameEntityCount(labels, lastLabels!)) {
        const entity = entityKey(labels);
        lastCount = entityCount(labels);
        names = this.entities.get(entity);
        if (names === undefined) this.entities.set(entity, (names = new Map()));
      }
      lastLabels = labels;
      const name = labels.__name__ ?? '';
      const at = names.get(name);
      if (at === undefined) {
        names.set(name, 2 * (first + series.length) + (hasLiveSample(s) ? 1 : 0));
        series.push(s);
      } else if (at >= 2 * first) {
        const index = (at - (at % 2)) / 2 - first;
        const merged = withSamplesOf(series[index]!, s);
        series[index] = merged;
        names.set(name, 2 * (first + index) + (hasLiveSample(merged) ? 1 : 0));
      } else {
        this.repeatsDropped += 1;
      }
    }
    this.serial = first + series.length;
    return series;
  }

  /**
   * A part given as groups (SeriesGroup: labels without the name, one entity each): as add(), name by name. A name
   * seen in an earlier part is left out (counted in repeatsDropped); a name repeated within this part keeps its last
   * value. Groups without either come back as they are (no copy).
   */
  addGroups(groups: readonly SeriesGroup[]): SeriesGroup[] {
    const out: SeriesGroup[] = [];
    const outEntities: string[] = [];
    const first = this.serial;
    let count = 0;
    for (let k = 0; k < groups.length; k++) {
      const g = groups[k]!;
      const entity = entityKey(g.labels);
      let names = this.entities.get(entity);
      if (names === undefined) this.entities.set(entity, (names = new Map()));
      let kept: SeriesGroup | undefined; // a copy, once something is left out or merged
      for (let i = 0; i < g.names.length; i++) {
        const name = g.names[i]!;
        const at = names.get(name);
        if (at === undefined) {
          names.set(name, 2 * (first + count) + 1); // a group's samples are never stale markers
          count++;
          if (kept !== undefined) {
            kept.names.push(name);
            kept.values.push(g.values[i]!);
          }
          continue;
        }
        kept ??= { labels: g.labels, names: g.names.slice(0, i), values: g.values.slice(0, i), timestampMs: g.timestampMs };
        if (at >= 2 * first) mergeInto(out, outEntities, kept, entity, name, g.values[i]!);
        else this.repeatsDropped += 1;
      }
      const result = kept ?? g;
      if (result.names.length) {
        out.push(result);
        outEntities.push(entity);
      }
    }
    this.serial = first + count;
    return out;
  }

  /**
   * Stale markers (at `nowMs`) for every series of the previous set not live now; records the current set. A
   * read-modify-write: if another run of the same target wrote the set meanwhile, the markers are worked out again
   * against that newer set.
   */
  async finish(nowMs: number): Promise<Series[]> {
    const live = new Map<string, string[]>();
    for (const [entity, names] of this.entities) {
      const liveNames: string[] = [];
      for (const [name, entry] of names) if (isLive(entry)) liveNames.push(name);
      if (liveNames.length) live.set(entity, liveNames);
    }
    const encoded = encodeSet(live);
    return this.state.update(this.stateKey, (stored) => ({ value: encoded, result: this.markersAgainst(decodeSet(stored), nowMs) }));
  }

  private markersAgainst(previous: Map<string, string[]>, nowMs: number): Series[] {
    const markers: Series[] = [];
    for (const [entity, names] of previous) {
      const now = this.entities.get(entity);
      for (const name of names) {
        const entry = now?.get(name);
        if (entry !== undefined && isLive(entry)) continue;
        const labels = labelsFromKey(entity);
        if (name !== '') labels.__name__ = name;
        markers.push(staleMarker(labels, nowMs));
      }
    }
    return markers;
  }
}

/** A name repeated within a part: the later value replaces the earlier one, in the group being built or an earlier one of the part. */
function mergeInto(out: SeriesGroup[], outEntities: readonly string[], current: SeriesGroup, entity: string, name: string, value: number): void {
  const here = current.names.lastIndexOf(name);
  if (here >= 0) {
    current.values[here] = value;
    return;
  }
  for (let k = out.length - 1; k >= 0; k--) {
    if (outEntities[k] !== entity) continue;
    const g = out[k]!;
    const at = g.names.lastIndexOf(name);
    if (at < 0) continue;
    const values = g.values.slice();
    values[at] = value;
    out[k] = { labels: g.labels, names: g.names, values, timestampMs: g.timestampMs };
    return;
  }
}

/** Every label but `__name__`, sorted, empty values left out (as labelsFromKey reads it back). */
function entityKey(labels: Labels): string {
  const names = Object.keys(labels).sort();
  // Joined, not `+=`: a concatenation would keep slices of the response text it came from (the whole body) alive as
  // long as the key, i.e. the whole cycle; join() copies the characters.
  const parts: string[] = [];
  for (const name of names) {
    if (name === '__name__') continue;
    const value = labels[name];
    if (value === undefined || value === '') continue;
    parts.push(name, '\u0000', value, '\u0001');
  }
  return parts.join('');
}

/**
 * The number of labels but `__name__` of `a` when each equals `b`'s (compared without allocating), else -1: equal
 * to `b`'s own count exactly when the two have the same labels apart from the name.
 */
function sameEntityCount(a: Labels, b: Labels): number {
  let n = 0;
  for (const k in a) {
    if (k === '__name__') continue;
    if (a[k] !== b[k]) return -1;
    n++;
  }
  return n;
}

/** The number of labels but `__name__`. */
function entityCount(labels: Labels): number {
  let n = 0;
  for (const k in labels) if (k !== '__name__') n++;
  return n;
}

function hasLiveSample(s: Series): boolean {
  const samples = s.samples;
  for (let i = 0; i < samples.length; i++) if (!samples[i]!.stale) return true;
  return false;
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
