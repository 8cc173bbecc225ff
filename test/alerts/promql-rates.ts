/**
 * The arguments of rate(), irate() and increase() in a PromQL expression must be real counters: Lakepulse's own
 * lakepulse_*_total and Spark's spark_*_total. The Databricks counts (databricks_*_total included) are gauges over a
 * sliding window, so rating them reads every drop as a counter reset.
 */
export function ratedNonCounters(expr: string): string[] {
  const bad: string[] = [];
  for (const m of expr.matchAll(/\b(rate|irate|increase)\s*\(/g)) {
    let depth = 1;
    let i = (m.index ?? 0) + m[0].length;
    const start = i;
    for (; i < expr.length && depth > 0; i++) {
      if (expr[i] === '(') depth += 1;
      else if (expr[i] === ')') depth -= 1;
    }
    const argument = expr.slice(start, i - 1).replace(/\{[^}]*\}/g, '').replace(/\[[^\]]*\]/g, '');
    for (const name of argument.match(/\b[a-zA-Z_:][a-zA-Z0-9_:]*\b/g) ?? []) {
      if (/^(lakepulse|spark)_[a-zA-Z0-9_]*_total$/.test(name)) continue;
      if (/^\d|^(by|without|on|ignoring|offset)$/.test(name)) continue;
      if (/^[smhdwy]$|^\d+[smhdwy]$/.test(name)) continue;
      bad.push(`${m[1]}(${name})`);
    }
  }
  return bad;
}
