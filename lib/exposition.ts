import type { MetricMetadata, Series } from './series';

/**
 * Prometheus text exposition format (0.0.4) for --dry-run: families grouped with their HELP/TYPE,
 * each sample with its millisecond timestamp. Stale markers have no text form and are left out.
 */
export function toExposition(series: readonly Series[], metadata: readonly MetricMetadata[] = []): string {
  const meta = new Map(metadata.map((m) => [m.name, m]));
  const families = new Map<string, Series[]>();
  for (const s of series) {
    const name = s.labels.__name__ ?? '';
    let list = families.get(name);
    if (!list) families.set(name, (list = []));
    list.push(s);
  }
  const out: string[] = [];
  for (const name of [...families.keys()].sort()) {
    const m = meta.get(name);
    if (m) {
      if (m.help) out.push(`# HELP ${name} ${escapeHelp(m.help)}`);
      out.push(`# TYPE ${name} ${m.type === 'info' || m.type === 'stateset' ? 'gauge' : m.type === 'unknown' ? 'untyped' : m.type}`);
    }
    for (const s of families.get(name)!) {
      const labels = Object.keys(s.labels)
        .filter((k) => k !== '__name__' && s.labels[k] !== '')
        .sort()
        .map((k) => `${k}="${escapeLabelValue(s.labels[k]!)}"`)
        .join(',');
      for (const sample of s.samples) {
        if (sample.stale) continue;
        out.push(`${name}${labels ? `{${labels}}` : ''} ${formatValue(sample.value)} ${sample.timestampMs}`);
      }
    }
  }
  return out.length ? out.join('\n') + '\n' : '';
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}
