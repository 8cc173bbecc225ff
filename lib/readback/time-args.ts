import { UsageError } from '../cli-report';

const UNIT_SECONDS: Record<string, number> = { y: 365 * 86_400, w: 7 * 86_400, d: 86_400, h: 3600, m: 60, s: 1, ms: 0.001 };
const DURATION = /^(?:\d+(?:ms|[ywdhms]))+$/;
const DURATION_PART = /(\d+)(ms|[ywdhms])/g;

/** A Prometheus duration (`30d`, `1h30m`, `90s`, `500ms`) or a plain number of seconds, in seconds; undefined if neither. */
export function parseDurationSeconds(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+(?:\.\d+)?$/.test(t)) return Number(t);
  if (!DURATION.test(t)) return undefined;
  let seconds = 0;
  for (const [, n, unit] of t.matchAll(DURATION_PART)) seconds += Number(n) * UNIT_SECONDS[unit!]!;
  return seconds;
}

/** A duration flag (`--within`, `--range`, `--step`) that must be positive. Throws UsageError naming the flag. */
export function durationFlag(flag: string, text: string): number {
  const seconds = parseDurationSeconds(text);
  if (seconds === undefined || !(seconds > 0)) {
    throw new UsageError(`${flag} must be a duration such as 15m, 1h30m, 30d or a number of seconds (got ${JSON.stringify(text)})`);
  }
  return seconds;
}

/**
 * A time flag (`--start`, `--end`, `--time`), in Unix seconds: `now`, a duration back from now (`30d` or `now-30d`),
 * Unix seconds (`1733011200`), or RFC 3339 (`2026-11-01T00:00:00Z`, `2026-11-01`, taken as UTC midnight).
 */
export function timeFlag(flag: string, text: string, nowSeconds: number): number {
  const t = text.trim();
  if (t === 'now') return nowSeconds;
  const relative = /^now-(.+)$/.exec(t)?.[1] ?? (DURATION.test(t) ? t : undefined);
  if (relative !== undefined) {
    const back = parseDurationSeconds(relative);
    if (back !== undefined) return nowSeconds - back;
  }
  if (/^\d+(?:\.\d+)?$/.test(t)) return Number(t);
  if (/^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i.test(t)) {
    const dateOnly = t.length === 10;
    const ms = Date.parse(dateOnly ? `${t}T00:00:00Z` : t.replace(' ', 'T'));
    if (Number.isFinite(ms)) return ms / 1000;
  }
  throw new UsageError(`${flag} must be RFC 3339 (2026-11-01T00:00:00Z), Unix seconds, now, or a duration back from now such as 30d (got ${JSON.stringify(text)})`);
}

/** An age or duration for people: `42s`, `3m 5s`, `2h 13m`, `3d 4h`. */
export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const parts: Array<[number, string]> = [
    [Math.floor(s / 86_400), 'd'],
    [Math.floor((s % 86_400) / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'm'],
    [s % 60, 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, u]) => `${n}${u}`)
    .join(' ');
}

/** A duration as PromQL writes it, in whole seconds or larger units: `900s` → `15m`. */
export function promDuration(seconds: number): string {
  const s = Math.max(1, Math.round(seconds));
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60]] as const) if (s % size === 0) return `${s / size}${unit}`;
  return `${s}s`;
}
