/**
 * Databricks SQL → DuckDB, token by token, for the constructs the emulator understands (README.md beside this file).
 * A call to a function outside the allowlist fails with Databricks' own error, so SQL that only DuckDB would accept
 * cannot pass the tests and then fail on a real warehouse.
 */

export class DatabricksSqlError extends Error {
  constructor(readonly errorClass: string, message: string, readonly sqlState: string) {
    super(`[${errorClass}] ${message} SQLSTATE: ${sqlState}`);
  }
}

/** Documented Databricks SQL functions that behave the same here (directly or through a macro). */
export const SUPPORTED_FUNCTIONS = new Set([
  'count', 'sum', 'min', 'max', 'avg', 'coalesce', 'nullif', 'cast', 'try_cast', 'concat', 'lower', 'upper', 'trim', 'length',
  'abs', 'round', 'floor', 'ceil', 'greatest', 'least', 'max_by', 'min_by', 'row_number', 'rank', 'dense_rank', 'lag', 'lead',
  'first_value', 'last_value', 'current_timestamp', 'current_date', 'unix_timestamp', 'date_sub', 'date_add', 'date_trunc',
  'percentile_approx', 'timestampdiff', 'to_date', 'datediff', 'nvl', 'ifnull', 'if', 'try_divide', 'count_if',
]);

/** Words that precede `(` without being function calls. */
const KEYWORDS = new Set([
  'and', 'or', 'not', 'in', 'over', 'as', 'on', 'exists', 'values', 'when', 'then', 'else', 'from', 'join', 'using', 'filter',
  'within', 'select', 'where', 'by', 'partition', 'with', 'union', 'all', 'distinct', 'interval', 'is', 'case', 'end', 'into',
  'group', 'order', 'having', 'qualify', 'limit', 'rows', 'range', 'between', 'like', 'any', 'some', 'decimal', 'varchar', 'char',
]);

interface Token {
  kind: 'word' | 'quoted' | 'string' | 'dqstring' | 'number' | 'space' | 'comment' | 'symbol';
  text: string;
}

function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const rest = sql.slice(i);
    let m: RegExpExecArray | null;
    if ((m = /^\s+/.exec(rest))) tokens.push({ kind: 'space', text: m[0] });
    else if ((m = /^--[^\n]*/.exec(rest)) || (m = /^\/\*[\s\S]*?\*\//.exec(rest))) tokens.push({ kind: 'comment', text: m[0] });
    else if (c === "'") {
      const end = scanString(sql, i, "'");
      tokens.push({ kind: 'string', text: sql.slice(i, end) });
      i = end;
      continue;
    } else if (c === '"') {
      const end = scanString(sql, i, '"');
      tokens.push({ kind: 'dqstring', text: sql.slice(i, end) });
      i = end;
      continue;
    } else if (c === '`') {
      const end = sql.indexOf('`', i + 1);
      if (end < 0) throw new DatabricksSqlError('PARSE_SYNTAX_ERROR', 'Syntax error: unclosed quoted identifier.', '42601');
      tokens.push({ kind: 'quoted', text: sql.slice(i + 1, end) });
      i = end + 1;
      continue;
    } else if ((m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest))) tokens.push({ kind: 'word', text: m[0] });
    else if ((m = /^\d+(\.\d+)?([eE][-+]?\d+)?/.exec(rest))) tokens.push({ kind: 'number', text: m[0] });
    else if ((m = /^(::|<=|>=|<>|!=|\|\||[^\s])/.exec(rest))) tokens.push({ kind: 'symbol', text: m[0] });
    i += m![0].length;
  }
  return tokens;
}

function scanString(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === '\\') i += 2;
    else if (sql[i] === quote) return i + 1;
    else i++;
  }
  throw new DatabricksSqlError('PARSE_SYNTAX_ERROR', 'Syntax error: unclosed string literal.', '42601');
}

/** A Databricks string literal body (backslash escapes) as a DuckDB literal. */
function literal(body: string): string {
  const unescaped = body.replace(/\\(.)/g, (_m, ch: string) => ({ n: '\n', t: '\t', r: '\r' })[ch] ?? ch);
  return `'${unescaped.replace(/'/g, "''")}'`;
}

export interface RewriteOptions {
  /** The catalog name the SQL uses for system schemas (DATABRICKS_CATALOG, default `system`). */
  catalog: string;
}

/** Returns DuckDB SQL and the system tables referenced (`schema.table`). */
export function rewriteSql(sql: string, options: RewriteOptions): { sql: string; tables: string[] } {
  const tokens = tokenize(sql);
  const out: string[] = [];
  const tables: string[] = [];
  const significant = (from: number, step: number): Token | undefined => {
    for (let j = from; j >= 0 && j < tokens.length; j += step) if (tokens[j]!.kind !== 'space' && tokens[j]!.kind !== 'comment') return tokens[j];
    return undefined;
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const prev = significant(i - 1, -1);
    const next = significant(i + 1, 1);
    if (t.kind === 'string') out.push(literal(t.text.slice(1, -1)));
    else if (t.kind === 'dqstring') out.push(literal(t.text.slice(1, -1)));
    else if (t.kind === 'quoted' || t.kind === 'word') {
      const name = t.text;
      const lower = name.toLowerCase();
      if (lower === options.catalog.toLowerCase() && next?.text === '.' && prev?.text !== '.') {
        out.push('dbx_system');
        const schema = significant(tokens.indexOf(next) + 1, 1);
        const dot2 = schema ? significant(tokens.indexOf(schema) + 1, 1) : undefined;
        const table = dot2?.text === '.' ? significant(tokens.indexOf(dot2) + 1, 1) : undefined;
        if (schema && table) tables.push(`${schema.text.toLowerCase()}.${table.text.toLowerCase()}`);
        continue;
      }
      if (t.kind === 'word' && next?.text === '(' && prev?.text !== '.' && !KEYWORDS.has(lower)) {
        if (!SUPPORTED_FUNCTIONS.has(lower)) {
          throw new DatabricksSqlError('UNRESOLVED_ROUTINE', `Cannot resolve routine \`${name}\` on search path [\`system\`.\`builtin\`, \`system\`.\`session\`].`, '42883');
        }
        if (lower === 'timestampdiff') {
          // timestampdiff(UNIT, a, b) counts whole units like DuckDB's datesub('unit', a, b).
          const open = tokens.indexOf(next);
          const unit = significant(open + 1, 1);
          const comma = unit ? significant(tokens.indexOf(unit) + 1, 1) : undefined;
          if (!unit || comma?.text !== ',') throw new DatabricksSqlError('PARSE_SYNTAX_ERROR', 'timestampdiff needs a unit.', '42601');
          out.push(`datesub('${unit.text.toLowerCase()}'`);
          i = tokens.indexOf(comma) - 1;
          continue;
        }
        out.push(lower === 'percentile_approx' ? 'lp_percentile_approx' : lower === 'count_if' ? 'lp_count_if' : name);
        continue;
      }
      out.push(t.kind === 'quoted' ? `"${name.replace(/"/g, '""')}"` : name);
    } else out.push(t.text);
  }
  return { sql: out.join(''), tables };
}

/** Macros that give DuckDB the Databricks functions it lacks; `nowMs` is the emulator's clock for this statement. */
export function macroSql(nowMs: number): string[] {
  const ts = new Date(nowMs).toISOString().replace('T', ' ').replace('Z', '');
  return [
    `CREATE OR REPLACE TEMP MACRO current_timestamp() AS TIMESTAMP '${ts}'`,
    `CREATE OR REPLACE TEMP MACRO current_date() AS CAST(TIMESTAMP '${ts}' AS DATE)`,
    `CREATE OR REPLACE TEMP MACRO unix_timestamp(t) AS CAST(floor(epoch(CAST(t AS TIMESTAMP))) AS BIGINT)`,
    `CREATE OR REPLACE TEMP MACRO date_sub(d, n) AS CAST(CAST(d AS DATE) - CAST(n AS INTEGER) AS DATE)`,
    `CREATE OR REPLACE TEMP MACRO to_date(x) AS CAST(x AS DATE)`,
    `CREATE OR REPLACE TEMP MACRO datediff(e, s) AS CAST(e AS DATE) - CAST(s AS DATE)`,
    `CREATE OR REPLACE TEMP MACRO nvl(a, b) AS coalesce(a, b)`,
    `CREATE OR REPLACE TEMP MACRO try_divide(a, b) AS CASE WHEN b = 0 THEN NULL ELSE a / b END`,
    // Databricks: the smallest value v such that at least p of the values are <= v.
    `CREATE OR REPLACE TEMP MACRO lp_percentile_approx(x, p) AS list_sort(list(x) FILTER (WHERE x IS NOT NULL))[greatest(1, CAST(ceil(p * count(x)) AS BIGINT))]`,
    `CREATE OR REPLACE TEMP MACRO lp_count_if(c) AS count(*) FILTER (WHERE c)`,
  ];
}
