/**
 * Databricks SQL → DuckDB, token by token, for the constructs the emulator understands (README.md beside this file).
 * A call to a function outside the allowlist fails with Databricks' own error, so SQL that only DuckDB would accept
 * cannot pass the tests and then fail on a real warehouse.
 */
import { DatabricksSqlError } from './sql-error';
import { FUNCTIONS, KEYWORDS, javaToStrftime } from './sql-functions';
import { ParameterBinding, type StatementParameter } from './sql-parameters';
import { argumentBounds, tokenize, type Token } from './sql-tokenizer';

export { DatabricksSqlError } from './sql-error';
export { macroSql } from './sql-functions';
export type { StatementParameter } from './sql-parameters';

/** Kept for callers of the first version: the function names the emulator accepts. */
export const SUPPORTED_FUNCTIONS: ReadonlySet<string> = new Set(FUNCTIONS.keys());

export interface RewriteOptions {
  /** The catalog name the SQL uses for system schemas (DATABRICKS_CATALOG, default `system`). */
  catalog: string;
  /** V8 statement parameters for `:name` and `?` markers. */
  parameters?: readonly StatementParameter[];
  /** `size`/`cardinality` arguments are maps (DuckDB needs `cardinality`), not arrays (`len`). */
  sizeOfMaps?: boolean;
}

/** A Databricks string literal body (backslash escapes) as a DuckDB literal. */
function literal(body: string): string {
  return `'${unescape(body).replace(/'/g, "''")}'`;
}

function unescape(body: string): string {
  return body.replace(/\\(.)/g, (_m, ch: string) => ({ n: '\n', t: '\t', r: '\r', '0': '\0' })[ch] ?? ch);
}

const lower0 = (t: Token) => t.text.toLowerCase();

const UNITS = new Set(['microsecond', 'millisecond', 'second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year']);

/** Returns DuckDB SQL and the system tables referenced (`schema.table`). */
export function rewriteSql(sql: string, options: RewriteOptions): { sql: string; tables: string[] } {
  const tokens = tokenize(sql);
  const params = new ParameterBinding(options.parameters ?? []);
  // Both `system` and the configured catalog name reach the system tables.
  const catalogs = new Set(['system', options.catalog.toLowerCase()]);
  const out: string[] = [];
  const tables: string[] = [];
  /** Token index → replacement text (empty string drops the token). */
  const override = new Map<number, string>();
  const nextIndex = (from: number, step: number): number => {
    for (let j = from; j >= 0 && j < tokens.length; j += step) if (tokens[j]!.kind !== 'space' && tokens[j]!.kind !== 'comment') return j;
    return -1;
  };
  const at = (j: number): Token | undefined => (j < 0 ? undefined : tokens[j]);
  const syntax = (near: string) => new DatabricksSqlError('PARSE_SYNTAX_ERROR', `Syntax error at or near '${near}'.`, '42601');

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const replaced = override.get(i);
    if (replaced !== undefined) {
      out.push(replaced);
      continue;
    }
    const prevIdx = nextIndex(i - 1, -1);
    const nextIdx = nextIndex(i + 1, 1);
    const prev = at(prevIdx);
    const next = at(nextIdx);
    if (t.kind === 'string' || t.kind === 'dqstring') {
      out.push(literal(t.text.slice(1, -1)));
      continue;
    }
    if (t.kind === 'symbol' && t.text === ':' && tokens[i + 1]?.kind === 'word' && prev?.text !== ':') {
      const value = params.byName(tokens[i + 1]!.text);
      out.push(prev?.text.toLowerCase() === 'interval' ? `(${value})` : value);
      i += 1;
      continue;
    }
    if (t.kind === 'symbol' && t.text === '?') {
      const value = params.byPosition();
      out.push(prev?.text.toLowerCase() === 'interval' ? `(${value})` : value);
      continue;
    }
    if (t.kind === 'symbol') {
      if (t.text === '{' || t.text === '}' || t.text === '$' || (t.text === '/' && tokens[i + 1]?.text === '/')) throw syntax(t.text);
      if (t.text === ';' && nextIdx >= 0) throw syntax(';');
      if (t.text === '[') {
        // Databricks has no list literal, and its array subscripts count from 0 (DuckDB: from 1).
        if (!prev || !((prev.kind === 'word' && !KEYWORDS.has(lower0(prev))) || prev.kind === 'quoted' || prev.text === ')' || prev.text === ']')) throw syntax('[');
        const close = nextIndex(nextIdx + 1, 1);
        if (next?.kind === 'number' && /^\d+$/.test(next.text) && at(close)?.text === ']') {
          out.push(`[${Number(next.text) + 1}]`);
          i = close;
          continue;
        }
      }
    }
    if (t.kind !== 'word' && t.kind !== 'quoted') {
      out.push(t.text);
      continue;
    }
    if (t.kind === 'word' && prevIdx < 0 && lower0(t) === 'from') throw syntax('FROM');
    const name = t.text;
    const lower = name.toLowerCase();
    if (catalogs.has(lower) && next?.text === '.' && prev?.text !== '.') {
      out.push('dbx_system');
      const schemaIdx = nextIndex(nextIdx + 1, 1);
      const dot2 = nextIndex(schemaIdx + 1, 1);
      const tableIdx = at(dot2)?.text === '.' ? nextIndex(dot2 + 1, 1) : -1;
      if (schemaIdx >= 0 && tableIdx >= 0) tables.push(`${tokens[schemaIdx]!.text.toLowerCase()}.${tokens[tableIdx]!.text.toLowerCase()}`);
      continue;
    }
    if (t.kind === 'word' && next?.text === '(' && prev?.text !== '.' && !KEYWORDS.has(lower)) {
      const target = FUNCTIONS.get(lower);
      if (target === undefined) {
        throw new DatabricksSqlError('UNRESOLVED_ROUTINE', `Cannot resolve routine \`${name}\` on search path [\`system\`.\`builtin\`, \`system\`.\`session\`].`, '42883');
      }
      const { close, commas } = argumentBounds(tokens, nextIdx);
      const argStart = [nextIdx, ...commas].map((c) => nextIndex(c + 1, 1));
      const args = argStart[0] === close ? 0 : commas.length + 1;
      if (lower === 'range') {
        // Databricks' range(start[, end[, step]]) table has one BIGINT column `id`.
        if (!['from', 'join', ','].includes(prev?.text.toLowerCase() ?? '')) throw new DatabricksSqlError('UNRESOLVED_ROUTINE', 'Cannot resolve routine `range` on search path [`system`.`builtin`, `system`.`session`].', '42883');
        out.push('(SELECT range AS id FROM range');
        override.set(close, '))');
        continue;
      } else if (lower === 'timestampdiff') {
        // timestampdiff(UNIT, a, b) counts whole units, as DuckDB's datesub('unit', a, b) does.
        const unit = at(argStart[0]!);
        if (!unit || args !== 3 || !UNITS.has(unit.text.toLowerCase().replace(/s$/, ''))) throw syntax('timestampdiff');
        override.set(argStart[0]!, `'${unit.text.toLowerCase().replace(/s$/, '')}'`);
      } else if (lower === 'named_struct') {
        if (args % 2 !== 0) throw new DatabricksSqlError('WRONG_NUM_ARGS.WITHOUT_SUGGESTION', 'The `named_struct` requires an even number of arguments.', '42605');
        for (let k = 0; k < args; k += 2) {
          const field = at(argStart[k]!);
          if (!field || (field.kind !== 'string' && field.kind !== 'dqstring') || nextIndex(argStart[k]! + 1, 1) !== commas[k]) {
            throw new DatabricksSqlError('DATATYPE_MISMATCH.CREATE_NAMED_STRUCT_WITHOUT_FOLDABLE_STRING', 'Only foldable `STRING` expressions are allowed to appear at odd position.', '42K09');
          }
          override.set(argStart[k]!, `"${unescape(field.text.slice(1, -1)).replace(/"/g, '""')}"`);
          override.set(commas[k]!, ' :=');
        }
      } else if (lower === 'date_format' || ((lower === 'to_date' || lower === 'to_timestamp') && args === 2)) {
        const fmtIdx = argStart[1];
        const fmt = fmtIdx === undefined ? undefined : at(fmtIdx);
        if (args !== 2 || !fmt || (fmt.kind !== 'string' && fmt.kind !== 'dqstring') || nextIndex(fmtIdx! + 1, 1) !== close) {
          throw new DatabricksSqlError('UNSUPPORTED_FEATURE', `The emulator supports \`${lower}\` only with a literal format.`, '0A000');
        }
        const converted = javaToStrftime(unescape(fmt.text.slice(1, -1)));
        if (converted === '') throw new DatabricksSqlError('UNSUPPORTED_FEATURE', `The emulator does not support the datetime pattern of \`${lower}\`.`, '0A000');
        override.set(fmtIdx!, literal(converted));
        if (lower === 'date_format') {
          out.push('strftime(CAST(');
          override.set(commas[0]!, ' AS TIMESTAMP),');
          i = nextIdx;
          continue;
        }
      } else if (lower === 'percentile_approx' || lower === 'approx_percentile') {
        if (args < 2 || args > 3) throw new DatabricksSqlError('WRONG_NUM_ARGS.WITHOUT_SUGGESTION', `The \`${lower}\` requires 2 or 3 parameters.`, '42605');
        if (args === 3) {
          // The accuracy argument changes nothing here: the answer is exact.
          override.set(commas[1]!, '');
          for (let j = commas[1]! + 1; j < close; j++) override.set(j, '');
        }
        if (at(argStart[1]!)?.text.toLowerCase() === 'array') {
          out.push('lp_percentile_approx_list');
          continue;
        }
      }
      out.push(target === 'len' && options.sizeOfMaps ? 'cardinality' : target);
      continue;
    }
    out.push(t.kind === 'quoted' ? `"${name.replace(/"/g, '""')}"` : name);
  }
  return { sql: out.join(''), tables };
}
