/**
 * The Databricks SQL functions the emulator understands, and how each reaches DuckDB: unchanged, renamed to a
 * DuckDB function, or through a temp macro defined in `macroSql`. Any other function name is rejected with
 * Databricks' `[UNRESOLVED_ROUTINE]`, so SQL that only DuckDB accepts cannot pass here.
 */

/** Databricks name → DuckDB name (same name when it behaves the same). */
export const FUNCTIONS: ReadonlyMap<string, string> = new Map([
  // aggregates
  ...['count', 'sum', 'min', 'max', 'avg', 'max_by', 'min_by', 'approx_count_distinct', 'stddev', 'stddev_samp', 'stddev_pop',
    'variance', 'var_samp', 'var_pop', 'bool_or', 'bool_and', 'any_value'].map((f): [string, string] => [f, f]),
  ['mean', 'avg'], ['count_if', 'lp_count_if'], ['collect_list', 'lp_collect_list'], ['collect_set', 'lp_collect_set'],
  ['percentile_approx', 'lp_percentile_approx'], ['approx_percentile', 'lp_percentile_approx'],
  // window
  ...['row_number', 'rank', 'dense_rank', 'lag', 'lead', 'first_value', 'last_value', 'ntile', 'percent_rank', 'cume_dist'].map((f): [string, string] => [f, f]),
  // conditional and null handling
  ...['coalesce', 'nullif', 'ifnull', 'if', 'greatest', 'least'].map((f): [string, string] => [f, f]),
  ['nvl', 'coalesce'],
  // casts, numbers
  ...['cast', 'try_cast', 'abs', 'round', 'floor', 'ceil', 'sqrt', 'exp', 'ln', 'sign'].map((f): [string, string] => [f, f]),
  ['ceiling', 'ceil'], ['try_divide', 'lp_try_divide'], ['power', 'pow'], ['pow', 'pow'],
  // strings
  ...['lower', 'upper', 'trim', 'ltrim', 'rtrim', 'length', 'replace', 'substring', 'substr', 'lpad', 'rpad'].map((f): [string, string] => [f, f]),
  ['concat', 'lp_concat'], ['lcase', 'lower'], ['ucase', 'upper'], ['char_length', 'length'],
  ...['left', 'right', 'reverse', 'repeat', 'ascii', 'chr', 'instr', 'split_part', 'contains', 'md5'].map((f): [string, string] => [f, f]),
  ['startswith', 'starts_with'], ['endswith', 'ends_with'], ['split', 'string_split_regex'], ['regexp_extract', 'lp_regexp_extract'],
  ['regexp_replace', 'lp_regexp_replace'], ['regexp_like', 'regexp_matches'],
  ...['log10', 'log2', 'mod', 'pi'].map((f): [string, string] => [f, f]),
  // cast functions
  ['string', 'lp_cast_string'], ['double', 'lp_cast_double'], ['int', 'lp_cast_int'], ['bigint', 'lp_cast_bigint'],
  ['boolean', 'lp_cast_boolean'], ['date', 'lp_to_date'], ['timestamp', 'lp_to_timestamp'],
  // dates and times
  ...['current_timestamp', 'current_date', 'date_add', 'date_trunc', 'year', 'month', 'day', 'hour', 'minute', 'second'].map((f): [string, string] => [f, f]),
  ...['last_day', 'make_date', 'quarter', 'dayofyear'].map((f): [string, string] => [f, f]),
  ['dayofmonth', 'day'], ['dayofweek', 'lp_dayofweek'], ['weekofyear', 'week'],
  ['now', 'current_timestamp'], ['unix_timestamp', 'lp_unix_timestamp'], ['date_sub', 'lp_date_sub'], ['datediff', 'lp_datediff'],
  ['to_date', 'lp_to_date'], ['timestampdiff', 'datesub'], ['date_format', 'strftime'], ['to_timestamp', 'lp_to_timestamp'],
  // arrays, maps, structs
  ['array', 'list_value'], ['size', 'len'], ['cardinality', 'len'], ['element_at', 'lp_element_at'], ['array_contains', 'array_contains'],
  ['map_keys', 'map_keys'], ['map_values', 'map_values'], ['array_min', 'list_min'], ['array_max', 'list_max'],
  ['array_join', 'array_to_string'], ['sort_array', 'lp_sort_array'],
  ['explode', 'unnest'], ['named_struct', 'struct_pack'],
  // table-valued
  ['range', 'range'],
]);

/** Words followed by `(` that are not function calls. */
export const KEYWORDS = new Set([
  'and', 'or', 'not', 'in', 'over', 'as', 'on', 'exists', 'values', 'when', 'then', 'else', 'from', 'join', 'using', 'filter',
  'within', 'select', 'where', 'by', 'partition', 'with', 'union', 'all', 'distinct', 'interval', 'is', 'case', 'end', 'into',
  'group', 'order', 'having', 'qualify', 'limit', 'rows', 'between', 'like', 'any', 'some', 'decimal', 'varchar', 'char',
  'numeric', 'except', 'intersect', 'lateral', 'asc', 'desc',
]);

/** Java `DateTimeFormatter` pattern (the letters Lakepulse needs) → strftime format. */
export function javaToStrftime(pattern: string): string {
  let out = '';
  const rules: Array<[RegExp, string]> = [[/^yyyy/, '%Y'], [/^yy/, '%y'], [/^MM/, '%m'], [/^dd/, '%d'], [/^HH/, '%H'], [/^mm/, '%M'],
    [/^ss/, '%S'], [/^SSSSSS/, '%f'], [/^SSS/, '%g'], [/^EEE/, '%a'], [/^MMM/, '%b']];
  let i = 0;
  outer: while (i < pattern.length) {
    const rest = pattern.slice(i);
    if (rest[0] === "'") {
      const end = pattern.indexOf("'", i + 1);
      const text = end < 0 ? pattern.slice(i + 1) : pattern.slice(i + 1, end);
      out += text.replace(/%/g, '%%');
      i = end < 0 ? pattern.length : end + 1;
      continue;
    }
    for (const [re, f] of rules) {
      const m = re.exec(rest);
      if (m) {
        out += f;
        i += m[0].length;
        continue outer;
      }
    }
    if (/[A-Za-z]/.test(rest[0]!)) return '';
    out += rest[0] === '%' ? '%%' : rest[0];
    i += 1;
  }
  return out;
}

/** Macros for the Databricks functions DuckDB lacks or defines differently; `nowMs` is the emulator's clock. */
export function macroSql(nowMs: number): string[] {
  return [...clockMacroSql(nowMs), ...staticMacroSql()];
}

/** The macros that embed the clock (redefined when it moves). */
export function clockMacroSql(nowMs: number): string[] {
  const ts = new Date(nowMs).toISOString().replace('T', ' ').replace('Z', '');
  return [
    `CREATE OR REPLACE TEMP MACRO current_timestamp() AS TIMESTAMP '${ts}'`,
    `CREATE OR REPLACE TEMP MACRO current_date() AS CAST(TIMESTAMP '${ts}' AS DATE)`,
    `CREATE OR REPLACE TEMP MACRO lp_unix_timestamp() AS CAST(floor(epoch(TIMESTAMP '${ts}')) AS BIGINT), (t) AS CAST(floor(epoch(CAST(t AS TIMESTAMP))) AS BIGINT)`,
  ];
}

/** The macros that never change. */
export function staticMacroSql(): string[] {
  const concatArities = Array.from({ length: 12 }, (_v, n) => {
    const args = Array.from({ length: n + 1 }, (_w, k) => `a${k}`);
    return `(${args.join(', ')}) AS ${args.map((a) => `CAST(${a} AS VARCHAR)`).join(' || ')}`;
  });
  return [
    `CREATE OR REPLACE TEMP MACRO lp_date_sub(d, n) AS CAST(CAST(d AS DATE) - CAST(n AS INTEGER) AS DATE)`,
    `CREATE OR REPLACE TEMP MACRO lp_to_date(x) AS CAST(x AS DATE), (x, f) AS CAST(strptime(x, f) AS DATE)`,
    `CREATE OR REPLACE TEMP MACRO lp_to_timestamp(x) AS CAST(x AS TIMESTAMP), (x, f) AS CAST(strptime(x, f) AS TIMESTAMP)`,
    `CREATE OR REPLACE TEMP MACRO lp_datediff(e, s) AS CAST(e AS DATE) - CAST(s AS DATE)`,
    `CREATE OR REPLACE TEMP MACRO lp_try_divide(a, b) AS CASE WHEN b = 0 THEN NULL ELSE a / b END`,
    `CREATE OR REPLACE TEMP MACRO lp_concat ${concatArities.join(', ')}`,
    `CREATE OR REPLACE TEMP MACRO lp_collect_list(x) AS list(x) FILTER (WHERE x IS NOT NULL)`,
    `CREATE OR REPLACE TEMP MACRO lp_collect_set(x) AS list(DISTINCT x) FILTER (WHERE x IS NOT NULL)`,
    `CREATE OR REPLACE TEMP MACRO lp_element_at(m, k) AS m[k]`,
    // Databricks: the smallest value v such that at least p of the (non-NULL) values are <= v.
    `CREATE OR REPLACE TEMP MACRO lp_percentile_approx(x, p) AS list_sort(list(x) FILTER (WHERE x IS NOT NULL))[greatest(1, CAST(ceil(p * count(x)) AS BIGINT))]`,
    `CREATE OR REPLACE TEMP MACRO lp_percentile_pick(l, ps) AS list_transform(ps, p -> l[greatest(1, CAST(ceil(p * len(l)) AS BIGINT))])`,
    `CREATE OR REPLACE TEMP MACRO lp_percentile_approx_list(x, ps) AS lp_percentile_pick(list_sort(list(x) FILTER (WHERE x IS NOT NULL)), ps)`,
    `CREATE OR REPLACE TEMP MACRO lp_count_if(c) AS count(*) FILTER (WHERE c)`,
    `CREATE OR REPLACE TEMP MACRO lp_regexp_extract(s, p) AS regexp_extract(s, p, 1), (s, p, i) AS regexp_extract(s, p, i)`,
    `CREATE OR REPLACE TEMP MACRO lp_regexp_replace(s, p, r) AS regexp_replace(s, p, r, 'g')`,
    `CREATE OR REPLACE TEMP MACRO lp_dayofweek(d) AS dayofweek(CAST(d AS DATE)) + 1`,
    `CREATE OR REPLACE TEMP MACRO lp_sort_array(a) AS list_sort(a), (a, ascending) AS CASE WHEN ascending THEN list_sort(a) ELSE list_reverse_sort(a) END`,
    `CREATE OR REPLACE TEMP MACRO lp_cast_string(x) AS CAST(x AS VARCHAR)`,
    `CREATE OR REPLACE TEMP MACRO lp_cast_double(x) AS CAST(x AS DOUBLE)`,
    `CREATE OR REPLACE TEMP MACRO lp_cast_int(x) AS CAST(x AS INTEGER)`,
    `CREATE OR REPLACE TEMP MACRO lp_cast_bigint(x) AS CAST(x AS BIGINT)`,
    `CREATE OR REPLACE TEMP MACRO lp_cast_boolean(x) AS CAST(x AS BOOLEAN)`,
  ];
}
