import type { Series } from '../series';

/**
 * Series ⇄ JSON for the state store. JSON has no NaN or ±Inf, so non-finite values travel as strings;
 * stale markers stay a flag (never a NaN value).
 */
export type StoredSeries = { l: Record<string, string>; s: Array<[number, number | string, 1?]> };

export function encodeSeries(series: readonly Series[]): StoredSeries[] {
  return series.map((s) => ({
    l: s.labels,
    s: s.samples.map((x) => {
      const value = Number.isFinite(x.value) ? x.value : String(x.value);
      return x.stale ? ([x.timestampMs, 0, 1] as [number, number, 1]) : ([x.timestampMs, value] as [number, number | string]);
    }),
  }));
}

export function decodeSeries(stored: unknown): Series[] {
  if (!Array.isArray(stored)) return [];
  const out: Series[] = [];
  for (const item of stored as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const { l, s } = item as { l?: unknown; s?: unknown };
    if (typeof l !== 'object' || l === null || !Array.isArray(s)) continue;
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(l)) if (typeof v === 'string') labels[k] = v;
    const samples: Series['samples'] = [];
    for (const x of s as unknown[]) {
      if (!Array.isArray(x) || typeof x[0] !== 'number') continue;
      const raw: unknown = x[1];
      const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : NaN;
      samples.push(x[2] === 1 ? { value: 0, timestampMs: x[0], stale: true } : { value, timestampMs: x[0] });
    }
    if (samples.length) out.push({ labels, samples });
  }
  return out;
}
