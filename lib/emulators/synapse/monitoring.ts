import type { SparkApp } from './dataset';

/**
 * The monitoring API's Spark application list (`GET /monitoring/workloadTypes/spark/applications`): its row shape,
 * human-readable durations, and the OData-like `filter` the service accepts.
 */

/** "3m 0s", "1h 4m", "1356h 29m", "12s": how the monitoring API writes durations. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

export function monitoringRow(app: SparkApp, nowMs: number): Record<string, unknown> {
  const end = app.endTimeMs;
  const start = app.startTimeMs;
  const queued = (start ?? end ?? nowMs) - app.submitTimeMs;
  const running = start === undefined ? 0 : (end ?? nowMs) - start;
  const ended = end !== undefined;
  return {
    state: app.state,
    name: app.name,
    submitter: app.submitter,
    compute: app.pool,
    sparkPoolName: app.pool,
    sparkApplicationId: app.appId,
    livyId: app.livyId,
    timing: [ended ? 'Ended' : start === undefined ? 'Submitting' : 'In Progress', humanDuration((end ?? nowMs) - app.submitTimeMs)],
    sparkJobDefinition: null,
    pipeline: null,
    jobType: app.jobType,
    submitTime: iso(app.submitTimeMs),
    endTime: ended ? iso(end) : null,
    queuedDuration: humanDuration(queued),
    runningDuration: humanDuration(running),
    totalDuration: humanDuration((end ?? nowMs) - app.submitTimeMs),
  };
}

export class FilterSyntaxError extends Error {}

type Predicate = (app: SparkApp) => boolean;

/**
 * Parses `(state eq 'inprogress') or (state eq 'submitting')`, `sparkPoolName eq 'p'`, `submitTime ge 2024-01-01T00:00:00Z`,
 * `endTime ge ...`, combined with `and`/`or` and parentheses. String comparison is case-insensitive.
 */
export function parseFilter(text: string): Predicate {
  const tokens = text.match(/\(|\)|'(?:[^']|'')*'|[^\s()]+/g) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  const next = () => {
    const t = tokens[i++];
    if (t === undefined) throw new FilterSyntaxError(`unexpected end of filter`);
    return t;
  };
  const orExpr = (): Predicate => {
    let left = andExpr();
    while (peek()?.toLowerCase() === 'or') {
      i++;
      const l = left;
      const r = andExpr();
      left = (a) => l(a) || r(a);
    }
    return left;
  };
  const andExpr = (): Predicate => {
    let left = primary();
    while (peek()?.toLowerCase() === 'and') {
      i++;
      const l = left;
      const r = primary();
      left = (a) => l(a) && r(a);
    }
    return left;
  };
  const primary = (): Predicate => {
    if (peek() === '(') {
      i++;
      const inner = orExpr();
      if (next() !== ')') throw new FilterSyntaxError('expected )');
      return inner;
    }
    const field = next();
    const op = next().toLowerCase();
    const literal = next();
    const value = literal.startsWith("'") ? literal.slice(1, -1).replace(/''/g, "'") : literal;
    const fields: Record<string, (a: SparkApp) => string | number | undefined> = {
      state: (a) => a.state.toLowerCase(),
      sparkpoolname: (a) => a.pool.toLowerCase(),
      name: (a) => a.name.toLowerCase(),
      jobtype: (a) => a.jobType.toLowerCase(),
      submittime: (a) => a.submitTimeMs,
      endtime: (a) => a.endTimeMs,
    };
    const get = fields[field.toLowerCase()];
    if (!get) throw new FilterSyntaxError(`unknown field ${field}`);
    const isTime = field.toLowerCase().endsWith('time');
    const target = isTime ? Date.parse(value) : value.toLowerCase();
    if (isTime && Number.isNaN(target)) throw new FilterSyntaxError(`bad time ${value}`);
    const cmp: Record<string, (x: string | number, y: string | number) => boolean> = {
      eq: (x, y) => x === y, ne: (x, y) => x !== y, ge: (x, y) => x >= y, gt: (x, y) => x > y, le: (x, y) => x <= y, lt: (x, y) => x < y,
    };
    const c = cmp[op];
    if (!c) throw new FilterSyntaxError(`unknown operator ${op}`);
    return (a) => {
      const x = get(a);
      return x !== undefined && c(x, target);
    };
  };
  const predicate = orExpr();
  if (i !== tokens.length) throw new FilterSyntaxError(`unexpected ${tokens[i]}`);
  return predicate;
}
