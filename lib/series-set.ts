import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * A target's series set as the state store keeps it (the previous run's series, for stale markers): `{ v, gz }`, `gz`
 * the base64 of gzip'd text
 *
 *     names ('\u0004' entity '\u0003' id (',' id)*)*        names = name ('\u0002' name)*
 *
 * where an entity is every label but `__name__` (`name\u0000value\u0001`…, as `labelsFromKey` reads it) and each id
 * indexes the name table. In v3 an entity has one group; v4 lets it have several (one per part of the session that
 * gave it new names), so the set can be written part by part as series pass. Both read alike.
 */
export interface StoredSet {
  v: 3 | 4;
  gz: string;
}

/** A set read back: group g is entity `entities[g]` with the names `names[ids[i]]`, offsets[g] ≤ i < offsets[g + 1]. */
export interface SeriesSet {
  readonly names: readonly string[];
  readonly entities: readonly string[];
  readonly offsets: readonly number[];
  readonly ids: readonly number[];
}

const EMPTY: SeriesSet = { names: [], entities: [], offsets: [0], ids: [] };

/** Text compressed at a time: each piece is a gzip member of its own (gunzip reads consecutive members as one text). */
const MEMBER_CHARS = 128 * 1024;

/**
 * Builds a stored set group by group: the groups are compressed a piece at a time as the session goes on (on this
 * thread: zlib's thread pool is busy with the responses during a cycle, and the end would wait for it), so at the end
 * only the last piece and the name table (its own member, put first) are left to do.
 */
export class SeriesSetWriter {
  private pending = '';
  private readonly members: Buffer[] = [];

  /** One entity's names, as ids into the name table given to finish(). */
  group(entity: string, ids: string): void {
    this.pending += '\u0004' + entity + '\u0003' + ids;
    if (this.pending.length >= MEMBER_CHARS) this.compress();
  }

  /**
   * The stored value; `names` is the name table the ids index. `v` 3 when no entity had more than one group (an older
   * reader then reads it all), else 4.
   */
  finish(names: readonly string[], v: 3 | 4): StoredSet {
    this.compress();
    const head = gzip(names.join('\u0002'));
    return { v, gz: Buffer.concat([head, ...this.members]).toString('base64') };
  }

  private compress(): void {
    if (this.pending === '') return;
    this.members.push(gzip(this.pending));
    this.pending = '';
  }
}

const gzip = (text: string) => gzipSync(Buffer.from(text, 'utf8'), { level: 1 });

/** `stored` as a v3 or v4 set, else undefined (absent, an older format, or not ours). */
export function storedSet(stored: unknown): StoredSet | undefined {
  if (typeof stored !== 'object' || stored === null) return undefined;
  const { v, gz } = stored as { v?: unknown; gz?: unknown };
  return (v === 3 || v === 4) && typeof gz === 'string' ? { v, gz } : undefined;
}

/** True when both are the same stored set (what another run wrote in between is not). */
export function sameStoredSet(a: StoredSet | undefined, b: StoredSet | undefined): boolean {
  return a !== undefined && b !== undefined && a.v === b.v && a.gz === b.gz;
}

/** The set in `stored`; empty when absent, of an older format or corrupt (a new set starts rather than the cycle fail). */
export function readSeriesSet(stored: StoredSet | undefined): SeriesSet {
  if (stored === undefined) return EMPTY;
  try {
    return parseText(gunzipSync(Buffer.from(stored.gz, 'base64')).toString('utf8'));
  } catch {
    return EMPTY;
  }
}

function parseText(text: string): SeriesSet {
  const groups = text.split('\u0004');
  const names = groups[0]!.split('\u0002');
  const entities: string[] = [];
  const offsets: number[] = [0];
  const ids: number[] = [];
  for (let g = 1; g < groups.length; g++) {
    const group = groups[g]!;
    const sep = group.lastIndexOf('\u0003');
    if (sep < 0) continue;
    // Ids by hand (no split, no Number per id); anything but digits, or out of range, is left out.
    let id = 0;
    let digits = 0;
    let valid = true;
    for (let i = sep + 1; i <= group.length; i++) {
      const c = i < group.length ? group.charCodeAt(i) : 44;
      if (c === 44) {
        if (valid && digits > 0 && id < names.length) ids.push(id);
        id = 0;
        digits = 0;
        valid = true;
      } else if (c >= 48 && c <= 57) {
        id = id * 10 + (c - 48);
        digits++;
      } else {
        valid = false;
      }
    }
    if (ids.length === offsets[offsets.length - 1]) continue;
    entities.push(group.slice(0, sep));
    offsets.push(ids.length);
  }
  return { names, entities, offsets, ids };
}
