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

function encodeKeys(keys: Set<string>): { v: 1; gz: string } {
  return { v: 1, gz: gzipSync(Buffer.from([...keys].join('\u0002'), 'utf8')).toString('base64') };
}

function decodeKeys(stored: unknown): string[] {
  if (typeof stored !== 'object' || stored === null) return [];
  const gz = (stored as { gz?: unknown }).gz;
  if (typeof gz !== 'string') return [];
  try {
    const text = gunzipSync(Buffer.from(gz, 'base64')).toString('utf8');
    return text === '' ? [] : text.split('\u0002');
  } catch {
    return []; // corrupt state: start a new set rather than fail the cycle
  }
}
