import { labelsFromKey, staleMarker, withSamplesOf, type Labels, type Series, type SeriesGroup } from './series';
import { EntityRun } from './entity-run';
import { readSeriesSet, sameStoredSet, SeriesSetWriter, storedSet, type SeriesSet, type StoredSet } from './series-set';
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

/** Every label but the name of some series of the session, and the names seen with it. */
interface Entity {
  readonly key: string;
  /** Name → entry (keyed by the source's own name strings: most lookups then compare by identity). */
  readonly names: Map<string, number>;
  /** Ids (into the session's name table) of the live names, as each part's end recorded them. */
  readonly live: number[];
  /** The last part that gave the entity a series. */
  part: number;
}

/**
 * The previous set as read when the session began, the stored value it came from, and its groups per entity; a
 * group is `confirmed` once every name of it was seen live (checked as parts end, so finish() skips it).
 */
interface EarlyRead {
  stored: StoredSet | undefined;
  set: SeriesSet;
  groups: Map<string, number[]>;
  confirmed: Uint8Array;
  /** Previous name id → this session's id, -1 while the session has not seen the name (looked up again then). */
  sessionIds: Int32Array;
}

/**
 * One target's series set being built part by part; finish() sends markers against the previous set and records it.
 * The previous set is read and decoded as soon as the session begins (while the cycle waits on the network), and
 * the new set is encoded and compressed as each part ends, so little is left for the end of the cycle.
 */
export class StalenessSession {
  private readonly entities = new Map<string, Entity>();
  /** The session's name table: each name once, ids in order of first appearance. */
  private readonly nameIds = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly set = new SeriesSetWriter();
  private readonly early: Promise<EarlyRead | undefined>;
  /** The early read once it is in (parts ending before that are checked at finish()). */
  private previous: EarlyRead | undefined;
  private readonly run = new EntityRun();
  /** Serial of the next part's first series. */
  private serial = 0;
  private parts = 0;
  /** Whether some entity got live names in more than one part (its names then span groups: format v4). */
  private spansGroups = false;
  /** Per session name id, the stamp of the entity whose live names were last marked (confirm, markersAgainst). */
  private readonly stamps: number[] = [];
  private stamp = 0;
  /** Label sets repeated in a later part than their first: already handed on, so the repeat is left out. */
  repeatsDropped = 0;

  constructor(
    private readonly state: StateStore,
    private readonly stateKey: string,
  ) {
    this.early = readEarly(state, stateKey);
    void this.early.then((early) => void (this.previous = early));
  }

  /** The part with repeated label sets merged (within the part) or left out (seen in an earlier part). */
  add(current: readonly Series[]): Series[] {
    const series: Series[] = [];
    const first = this.serial;
    const part = this.parts++;
    const touched: Entity[] = [];
    const run = this.run;
    let names: Map<string, number> | undefined;
    for (let k = 0; k < current.length; k++) {
      const s = current[k]!;
      const labels = s.labels;
      if (names === undefined || !run.matches(labels)) {
        const entity = this.entityOf(run.start(labels));
        names = entity.names;
        if (entity.part !== part) {
          entity.part = part;
          touched.push(entity);
        }
      }
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
    this.record(touched, first);
    return series;
  }

  /**
   * A part given as groups (SeriesGroup: labels without the name, one entity each): as add(), name by name. A name
   * seen in an earlier part is left out (counted in repeatsDropped); a name repeated within this part keeps its last
   * value. Groups with neither come back as they are (no copy).
   */
  addGroups(groups: readonly SeriesGroup[]): SeriesGroup[] {
    const out: SeriesGroup[] = [];
    const outEntities: string[] = [];
    const first = this.serial;
    const part = this.parts++;
    const touched: Entity[] = [];
    let count = 0;
    for (let k = 0; k < groups.length; k++) {
      const g = groups[k]!;
      const entity = this.entityOf(this.run.start(g.labels));
      if (entity.part !== part) {
        entity.part = part;
        touched.push(entity);
      }
      const names = entity.names;
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
        if (at >= 2 * first) mergeInto(out, outEntities, kept, entity.key, name, g.values[i]!);
        else this.repeatsDropped += 1;
      }
      const result = kept ?? g;
      if (result.names.length) {
        out.push(result);
        outEntities.push(entity.key);
      }
    }
    this.serial = first + count;
    this.record(touched, first);
    return out;
  }

  /**
   * Stale markers (at `nowMs`) for every series of the previous set not live now; records the current set. A
   * read-modify-write: if another run of the same target wrote the set meanwhile, the markers are worked out again
   * against that newer set (the one read at begin() serves only while it is still the stored one).
   */
  async finish(nowMs: number): Promise<Series[]> {
    const value = this.set.finish(this.names, this.spansGroups ? 4 : 3);
    const early = await this.early;
    return this.state.update(this.stateKey, (current) => {
      const stored = storedSet(current);
      const same = early !== undefined && sameStoredSet(stored, early.stored);
      return { value, result: this.markersAgainst(same ? early.set : readSeriesSet(stored), nowMs, same ? early.confirmed : undefined) };
    });
  }

  /**
   * The live names a part gave its entities (final once the part is added: a later repeat is dropped), as ids: kept
   * for the markers and written to the set.
   */
  private record(touched: readonly Entity[], first: number): void {
    const min = 2 * first;
    // Name → id for this part's own name strings: compared by identity, unlike the first part's in nameIds.
    const ids = new Map<string, number>();
    for (const entity of touched) {
      const live = entity.live;
      const before = live.length;
      entity.names.forEach((entry, name) => {
        if (entry < min || !isLive(entry)) return;
        let id = ids.get(name);
        if (id === undefined) ids.set(name, (id = this.nameId(name)));
        live.push(id);
      });
      if (live.length === before) continue;
      if (this.previous !== undefined) this.confirm(entity, this.previous);
      if (before > 0) this.spansGroups = true;
      this.set.group(entity.key, before === 0 ? live.join(',') : live.slice(before).join(','));
    }
  }

  /** Marks the previous set's groups of `entity` whose names are all live now (they need no look at finish()). */
  private confirm(entity: Entity, early: EarlyRead): void {
    const groups = early.groups.get(entity.key);
    if (groups === undefined) return;
    const { names, offsets, ids } = early.set;
    const stamps = this.stampsFor(this.names.length);
    const stamp = ++this.stamp;
    for (const id of entity.live) stamps[id] = stamp;
    for (const g of groups) {
      let all = true;
      for (let i = offsets[g]!; all && i < offsets[g + 1]!; i++) {
        const previousId = ids[i]!;
        let id = early.sessionIds[previousId]!;
        if (id < 0) id = early.sessionIds[previousId] = this.nameIds.get(names[previousId]!) ?? -1;
        all = id >= 0 && stamps[id] === stamp;
      }
      if (all) early.confirmed[g] = 1;
    }
  }

  private stampsFor(n: number): number[] {
    while (this.stamps.length < n) this.stamps.push(0);
    return this.stamps;
  }

  private markersAgainst(previous: SeriesSet, nowMs: number, confirmed?: Uint8Array): Series[] {
    const markers: Series[] = [];
    // The previous name table in this session's ids (one lookup per name), and a stamp per session id: the current
    // entity's live names are stamped, so each previous name is one array read, no hashing.
    const ids = previous.names.map((name) => this.nameIds.get(name) ?? -1);
    const stamps = this.stampsFor(this.names.length);
    const { entities, offsets } = previous;
    for (let g = 0; g < entities.length; g++) {
      if (confirmed !== undefined && confirmed[g] === 1) continue;
      const stamp = ++this.stamp;
      const now = this.entities.get(entities[g]!);
      if (now !== undefined) for (const id of now.live) stamps[id] = stamp;
      for (let i = offsets[g]!; i < offsets[g + 1]!; i++) {
        const previousId = previous.ids[i]!;
        const id = ids[previousId]!;
        if (now !== undefined && id >= 0 && stamps[id] === stamp) continue;
        const labels = labelsFromKey(entities[g]!);
        const name = previous.names[previousId]!;
        if (name !== '') labels.__name__ = name;
        markers.push(staleMarker(labels, nowMs));
      }
    }
    return markers;
  }

  private entityOf(key: string): Entity {
    let entity = this.entities.get(key);
    if (entity === undefined) this.entities.set(key, (entity = { key, names: new Map(), live: [], part: -1 }));
    return entity;
  }

  private nameId(name: string): number {
    let id = this.nameIds.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.nameIds.set(name, id);
    }
    return id;
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

/** The stored set and its decoding, started at begin(); undefined if the read failed (finish() reads again). */
async function readEarly(state: StateStore, key: string): Promise<EarlyRead | undefined> {
  try {
    const stored = storedSet(await state.get(key));
    // Decoded here, on this thread: a few ms while the cycle goes on (zlib's thread pool is busy with the responses).
    const set = readSeriesSet(stored);
    const groups = new Map<string, number[]>();
    for (let g = 0; g < set.entities.length; g++) {
      const entity = set.entities[g]!;
      const list = groups.get(entity);
      if (list === undefined) groups.set(entity, [g]);
      else list.push(g);
    }
    return { stored, set, groups, confirmed: new Uint8Array(set.entities.length), sessionIds: new Int32Array(set.names.length).fill(-1) };
  } catch {
    return undefined;
  }
}

function hasLiveSample(s: Series): boolean {
  const samples = s.samples;
  for (let i = 0; i < samples.length; i++) if (!samples[i]!.stale) return true;
  return false;
}
