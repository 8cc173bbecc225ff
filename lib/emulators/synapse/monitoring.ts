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
    // The recording shows ["Ended", "16h 15m"] for a job that ran 1h 4m: read as time since it ended (inferred).
    timing: ended ? ['Ended', humanDuration(nowMs - end)] : [start === undefined ? 'Submitting' : 'In Progress', humanDuration(nowMs - app.submitTimeMs)],
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

const STRING_FIELDS: Record<string, (a: SparkApp) => string> = {
  state: (a) => a.state.toLowerCase(),
  sparkpoolname: (a) => a.pool.toLowerCase(),
  compute: (a) => a.pool.toLowerCase(),
  name: (a) => a.name.toLowerCase(),
  jobtype: (a) => a.jobType.toLowerCase(),
  submitter: (a) => a.submitter.toLowerCase(),
  livyid: (a) => a.livyId.toLowerCase(),
  sparkapplicationid: (a) => (a.appId ?? '').toLowerCase(),
};

type Predicate = (app: SparkApp) => boolean;

/** `(`, `)`, `,`, quoted strings ('' escapes a quote) and bare words; anything else (a lone quote) is an error. */
function tokenize(text: string): string[] {
  const re = /\s*(\(|\)|,|'(?:[^']|'')*'|[^\s(),']+)/y;
  const tokens: string[] = [];
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    tokens.push(m[1]!);
    pos = re.lastIndex;
  }
  if (text.slice(pos).trim() !== '') throw new FilterSyntaxError(`cannot read the filter from ${JSON.stringify(text.slice(pos, pos + 20))}`);
  return tokens;
}

/**
 * Parses `(state eq 'inprogress') or (state eq 'submitting')`, `sparkPoolName eq 'p'`, `submitTime ge 2024-01-01T00:00:00Z`,
 * `endTime ge ...`, combined with `and`/`or` and parentheses. String comparison is case-insensitive.
 */
export function parseFilter(text: string): Predicate {
  const tokens = tokenize(text);
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
    if (peek() === '(') return functionCall(field.toLowerCase());
    const op = next().toLowerCase();
    const literal = next();
    const quoted = literal.startsWith("'");
    const value = quoted ? literal.slice(1, -1).replace(/''/g, "'") : literal;
    const fields: Record<string, (a: SparkApp) => string | number | undefined> = {
      ...STRING_FIELDS,
      submittime: (a) => a.submitTimeMs,
      endtime: (a) => a.endTimeMs,
    };
    const get = fields[field.toLowerCase()];
    if (!get) throw new FilterSyntaxError(`unknown field ${field}`);
    const isTime = field.toLowerCase().endsWith('time');
    if (!isTime && !quoted) throw new FilterSyntaxError(`${field} needs a quoted string, got ${literal}`);
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
  /** `contains(name,'x')` / `startswith(name,'x')`, as a third-party client sends them (unconfirmed). */
  const functionCall = (fn: string): Predicate => {
    if (fn !== 'contains' && fn !== 'startswith') throw new FilterSyntaxError(`unknown function ${fn}`);
    next(); // (
    const field = next();
    const comma = next();
    const literal = next();
    if (comma !== ',' || !literal.startsWith("'") || next() !== ')') throw new FilterSyntaxError(`bad ${fn}() call`);
    const get = STRING_FIELDS[field.toLowerCase()];
    if (!get) throw new FilterSyntaxError(`unknown field ${field}`);
    const needle = literal.slice(1, -1).replace(/''/g, "'").toLowerCase();
    return fn === 'contains' ? (a) => get(a).includes(needle) : (a) => get(a).startsWith(needle);
  };
  const predicate = orExpr();
  if (i !== tokens.length) throw new FilterSyntaxError(`unexpected ${tokens[i]}`);
  return predicate;
}
