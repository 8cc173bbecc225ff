import type { QueryData } from './query-result';

/** A query result in long format: one row per sample, one column per label name. */
export interface LongTable {
  /** Label names, sorted, `__name__` first when present. */
  labelNames: string[];
  rows: Array<{ timestampSeconds: number; labels: Record<string, string>; value: string }>;
}

export function toLongTable(data: QueryData): LongTable {
  switch (data.resultType) {
    case 'scalar':
    case 'string':
      return { labelNames: [], rows: [{ timestampSeconds: data.result[0], labels: {}, value: data.result[1] }] };
    case 'vector':
      return {
        labelNames: labelNamesOf(data.result.map((r) => r.metric)),
        rows: data.result.map((r) => ({ timestampSeconds: r.value[0], labels: r.metric, value: r.value[1] })),
      };
    case 'matrix':
      return {
        labelNames: labelNamesOf(data.result.map((r) => r.metric)),
        rows: data.result.flatMap((r) => r.values.map(([t, v]) => ({ timestampSeconds: t, labels: r.metric, value: v }))),
      };
  }
}

function labelNamesOf(metrics: Array<Record<string, string>>): string[] {
  const names = new Set<string>();
  for (const m of metrics) for (const k of Object.keys(m)) names.add(k);
  return [...names].sort((a, b) => (a === '__name__' ? -1 : b === '__name__' ? 1 : a < b ? -1 : a > b ? 1 : 0));
}

/** RFC 3339 in UTC with milliseconds (Prometheus timestamps carry up to millisecond precision). */
export function rfc3339(seconds: number): string {
  return new Date(Math.round(seconds * 1000)).toISOString();
}

/**
 * CSV (RFC 4180, `\n` line ends) that `pandas.read_csv` takes as is: `timestamp,<label names...>,value`. A label a
 * series lacks is an empty field. Values are written as the API gives them (`NaN`, `+Inf` included).
 */
export function formatCsv(table: LongTable): string {
  const header = ['timestamp', ...table.labelNames, 'value'];
  if (table.labelNames.includes('timestamp') || table.labelNames.includes('value')) {
    // A label literally named timestamp/value would collide with ours: prefix it, as pandas would de-duplicate anyway.
    for (let i = 1; i < header.length - 1; i++) if (header[i] === 'timestamp' || header[i] === 'value') header[i] = `label_${header[i]}`;
  }
  const lines = [header.map(csvField).join(',')];
  for (const row of table.rows) {
    lines.push([rfc3339(row.timestampSeconds), ...table.labelNames.map((n) => row.labels[n] ?? ''), row.value].map(csvField).join(','));
  }
  return lines.join('\n') + '\n';
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Aligned columns for a person: the same columns as CSV, values right-aligned. An instant result's rows share one
 * timestamp, so it is printed once above the table instead of in every row.
 */
export function formatTable(table: LongTable, resultType: QueryData['resultType']): string {
  if (table.rows.length === 0) return '';
  const instant = resultType !== 'matrix';
  const header = [...(instant ? [] : ['timestamp']), ...table.labelNames, 'value'];
  const body = table.rows.map((r) => [...(instant ? [] : [rfc3339(r.timestampSeconds)]), ...table.labelNames.map((n) => r.labels[n] ?? ''), r.value]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const last = header.length - 1;
  const line = (cells: string[]) => cells.map((c, i) => (i === last ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [line(header), ...body.map(line)];
  const first = table.rows[0]!;
  return (instant ? `at ${rfc3339(first.timestampSeconds)}\n` : '') + out.join('\n') + '\n';
}
