import { gunzipSync, gzipSync } from 'node:zlib';
import { labelsFromKey, seriesKey, staleMarker, type Series } from './series';
import type { StateStore } from './state/store';

/**
 * Stale markers for series that disappeared: a stateless run can only tell that a series ended by comparing with
 * the previous run's series set, kept per target in the state store (gzip-compressed: label sets repeat a lot).
 */
export class StalenessTracker {
  constructor(private readonly state: StateStore) {}

  private key(source: string, target: string): string {
    return `series-sets/${source}/${target}`;
  }

  /**
   * Returns the current series with repeated label sets merged (a receiver would reject the repeat), and
   * stale-marker series (at `nowMs`) for every series of the previous set that is absent now; records the current
   * set. Series whose samples are all stale markers are not part of the set.
   */
  async update(source: string, target: string, current: readonly Series[], nowMs: number): Promise<{ series: Series[]; markers: Series[] }> {
    const key = this.key(source, target);
    const previous = decodeKeys(await this.state.get(key));
    const now = new Map<string, number>();
    const series: Series[] = [];
    for (const s of current) {
      const k = seriesKey(s.labels);
      const at = now.get(k);
      if (at === undefined) {
        now.set(k, series.length);
        series.push(s);
      } else {
        const first = series[at]!;
        series[at] = { labels: first.labels, samples: [...first.samples, ...s.samples].sort((a, b) => a.timestampMs - b.timestampMs) };
      }
    }
    const live = new Set<string>();
    for (const [k, i] of now) if (series[i]!.samples.some((x) => !x.stale)) live.add(k);
    const markers: Series[] = [];
    for (const k of previous) {
      if (!live.has(k)) markers.push(staleMarker(labelsFromKey(k), nowMs));
    }
    await this.state.put(key, encodeKeys(live));
    return { series, markers };
  }
}

/**
 * Most series of a target differ from others only by `__name__` (Spark: ~40 metrics per executor), so the set is
 * stored grouped by everything but the name: a table of names, then each group's remaining labels and name indexes.
 */
function encodeKeys(keys: Set<string>): { v: 2; gz: string } {
  const names: string[] = [];
  const nameIndex = new Map<string, number>();
  const groups = new Map<string, number[]>();
  const prefix = '__name__\u0000';
  for (const key of keys) {
    let name = '';
    let rest = key;
    if (key.startsWith(prefix)) {
      const end = key.indexOf('\u0001');
      name = key.slice(prefix.length, end);
      rest = key.slice(end + 1);
    }
    let i = nameIndex.get(name);
    if (i === undefined) {
      i = names.length;
      names.push(name);
      nameIndex.set(name, i);
    }
    let list = groups.get(rest);
    if (list === undefined) groups.set(rest, (list = []));
    list.push(i);
  }
  const parts: string[] = [names.join('\u0002')];
  for (const [rest, idx] of groups) parts.push(rest + '\u0003' + idx.join(','));
  return { v: 2, gz: gzipSync(Buffer.from(parts.join('\u0004'), 'utf8'), { level: 1 }).toString('base64') };
}

function decodeKeys(stored: unknown): string[] {
  if (typeof stored !== 'object' || stored === null) return [];
  const gz = (stored as { gz?: unknown }).gz;
  if (typeof gz !== 'string' || (stored as { v?: unknown }).v !== 2) return [];
  try {
    const text = gunzipSync(Buffer.from(gz, 'base64')).toString('utf8');
    if (text === '') return [];
    const [nameList, ...groups] = text.split('\u0004');
    const names = nameList!.split('\u0002');
    const keys: string[] = [];
    for (const g of groups) {
      const sep = g.lastIndexOf('\u0003');
      const rest = g.slice(0, sep);
      for (const i of g.slice(sep + 1).split(',')) {
        const name = names[Number(i)] ?? '';
        keys.push(name === '' ? rest : `__name__\u0000${name}\u0001${rest}`);
      }
    }
    return keys;
  } catch {
    return []; // corrupt state: start a new set rather than fail the cycle
  }
}
