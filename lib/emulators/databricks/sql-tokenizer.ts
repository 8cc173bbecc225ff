import { DatabricksSqlError } from './sql-error';

export interface Token {
  kind: 'word' | 'quoted' | 'string' | 'dqstring' | 'number' | 'space' | 'comment' | 'symbol';
  text: string;
}

function scanString(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === '\\') i += 2;
    else if (sql[i] === quote) return i + 1;
    else i++;
  }
  throw new DatabricksSqlError('PARSE_SYNTAX_ERROR', 'Syntax error at or near end of input: unclosed string literal.', '42601');
}

/** Databricks SQL tokens: `'…'`/`"…"` string literals with backslash escapes, backtick identifiers, comments. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const rest = sql.slice(i);
    let m: RegExpExecArray | null;
    if (c === "'" || c === '"') {
      const end = scanString(sql, i, c);
      tokens.push({ kind: c === "'" ? 'string' : 'dqstring', text: sql.slice(i, end) });
      i = end;
      continue;
    }
    if (c === '`') {
      let end = i + 1;
      let name = '';
      for (;;) {
        const close = sql.indexOf('`', end);
        if (close < 0) throw new DatabricksSqlError('PARSE_SYNTAX_ERROR', 'Syntax error: unclosed quoted identifier.', '42601');
        name += sql.slice(end, close);
        if (sql[close + 1] === '`') {
          name += '`';
          end = close + 2;
        } else {
          end = close + 1;
          break;
        }
      }
      tokens.push({ kind: 'quoted', text: name });
      i = end;
      continue;
    }
    if ((m = /^\s+/.exec(rest))) tokens.push({ kind: 'space', text: m[0] });
    else if ((m = /^--[^\n]*/.exec(rest)) || (m = /^\/\*[\s\S]*?\*\//.exec(rest))) tokens.push({ kind: 'comment', text: m[0] });
    else if ((m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest))) tokens.push({ kind: 'word', text: m[0] });
    else if ((m = /^(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?/.exec(rest))) tokens.push({ kind: 'number', text: m[0] });
    else if ((m = /^(::|<=>|<=|>=|<>|!=|==|\|\||[^\s])/.exec(rest))) tokens.push({ kind: 'symbol', text: m[0] });
    i += m![0].length;
  }
  return tokens;
}

/** Index of the matching `)` for the `(` at `open`, and the indexes of the commas at its top level. */
export function argumentBounds(tokens: readonly Token[], open: number): { close: number; commas: number[] } {
  let depth = 0;
  const commas: number[] = [];
  for (let j = open; j < tokens.length; j++) {
    const t = tokens[j]!;
    if (t.kind !== 'symbol') continue;
    if (t.text === '(' || t.text === '[') depth += 1;
    else if (t.text === ')' || t.text === ']') {
      depth -= 1;
      if (depth === 0) return { close: j, commas };
    } else if (t.text === ',' && depth === 1) commas.push(j);
  }
  throw new DatabricksSqlError('PARSE_SYNTAX_ERROR', "Syntax error at or near end of input: missing ')'.", '42601');
}
