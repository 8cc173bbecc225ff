/**
 * A tolerant parser for the Prometheus text Spark writes at `/metrics/executors/prometheus`: no TYPE or HELP lines,
 * values as Scala Doubles (`1.2345678E7`, `Infinity`), label values written without escaping (a quote inside a value
 * is possible), an optional `spark_info` line, CRLF, and bodies cut short. Lines it cannot read are skipped and
 * counted, never fatal.
 */

export interface TextSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedText {
  samples: TextSample[];
  /** Non-empty, non-comment lines that could not be read. */
  badLines: number;
}

const NAME_START = /[a-zA-Z_:]/;
/** After a closing quote: `, next_label="` means the value ended; anything else means the quote was part of it. */
const NEXT_LABEL = /,\s*[a-zA-Z_][a-zA-Z0-9_]*="/y;

export function parsePrometheusText(text: string, maxLines = 1_000_000): ParsedText {
  const samples: TextSample[] = [];
  // Spark writes ~40 lines per executor with the same label set: parse each label set once and share the object.
  const labelSets = new Map<string, Record<string, string>>();
  let badLines = 0;
  let start = 0;
  let lines = 0;
  while (start < text.length && lines < maxLines) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let line = text.slice(start, end);
    start = end + 1;
    lines++;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const sample = parseLine(trimmed, labelSets);
    if (sample) samples.push(sample);
    else badLines++;
  }
  if (start < text.length) badLines++; // lines beyond the cap
  return { samples, badLines };
}

function parseLine(line: string, labelSets: Map<string, Record<string, string>>): TextSample | undefined {
  if (!NAME_START.test(line[0]!)) return undefined;
  let i = 1;
  while (i < line.length && isNameChar(line.charCodeAt(i))) i++;
  const name = line.slice(0, i);
  let labels: Record<string, string> = {};
  if (line[i] === '{') {
    // Fast path: the same label text as an earlier line (up to the last `"}` before the value).
    const close = line.lastIndexOf('"}');
    if (close > i) {
      const shared = labelSets.get(line.slice(i, close + 2));
      if (shared !== undefined) {
        const value = parseValue(firstToken(line.slice(close + 2)));
        return value === undefined ? undefined : { name, labels: shared, value };
      }
    }
    const labelStart = i;
    i++;
    for (;;) {
      while (line[i] === ' ' || line[i] === ',') i++;
      if (line[i] === '}') {
        i++;
        break;
      }
      const eq = line.indexOf('="', i);
      if (eq < 0) return undefined;
      const key = line.slice(i, eq).trim();
      if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(key)) return undefined;
      const valueStart = eq + 2;
      let j = valueStart;
      let valueEnd = -1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) return undefined;
        if (line[q + 1] === '}') {
          // The last label, unless a later `"}` exists and this quote is followed by more of the value: take the
          // first `"}` that is followed only by the value part.
          if (/^\s*[-+0-9NIn.]/.test(line.slice(q + 2)) || q + 2 >= line.length) {
            valueEnd = q;
            break;
          }
        }
        NEXT_LABEL.lastIndex = q + 1;
        if (NEXT_LABEL.test(line)) {
          valueEnd = q;
          break;
        }
        j = q + 1;
      }
      labels[key] = line.slice(valueStart, valueEnd);
      i = valueEnd + 1;
    }
    if (line[i - 1] === '}' && line[i - 2] === '"') {
      const text = line.slice(labelStart, i);
      const shared = labelSets.get(text);
      if (shared) labels = shared;
      else if (labelSets.size < 100_000) labelSets.set(text, labels);
    }
  }
  const rest = line.slice(i).trim();
  if (rest === '') return undefined;
  const space = rest.indexOf(' ');
  const value = parseValue(space < 0 ? rest : rest.slice(0, space));
  if (value === undefined) return undefined;
  return { name, labels, value };
}

function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 58;
}

function firstToken(rest: string): string {
  const t = rest.trim();
  const space = t.indexOf(' ');
  return space < 0 ? t : t.slice(0, space);
}

function parseValue(token: string): number | undefined {
  switch (token) {
    case 'NaN':
      return NaN;
    case '+Inf':
    case 'Infinity':
    case '+Infinity':
      return Infinity;
    case '-Inf':
    case '-Infinity':
      return -Infinity;
  }
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(token)) return undefined;
  return Number(token);
}
