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

/** After a closing quote: `, next_label="` means the value ended; anything else means the quote was part of it. */
const NEXT_LABEL = /,\s*[a-zA-Z_][a-zA-Z0-9_]*="/y;

/**
 * What the parser remembers from line to line. Spark writes ~40 lines per executor with the same label text, in the
 * same metric order for every executor: a line whose label text equals the previous line's is recognised by one
 * comparison (no slice, no hashing of the text), and its metric name is the string read at the same place in the
 * previous block when the characters are the same (so names are shared strings, and later Map lookups hash them once).
 * (`indexOf(x, at) === at`, not `startsWith(x, at)`: V8 runs startsWith on sliced strings several times slower.)
 */
interface LineMemo {
  /** Label text (`{…}`) → the shared labels object. */
  labelSets: Map<string, Record<string, string>>;
  prevText: string;
  prevLabels: Record<string, string> | undefined;
  /** Names in the order of the current block of lines with one label text, and of the ones before it. */
  blockNames: string[];
  /** Index of the current line in its block. */
  blockIndex: number;
}

export function parsePrometheusText(text: string, maxLines = 1_000_000): ParsedText {
  const samples: TextSample[] = [];
  // Spark writes ~40 lines per executor with the same label set: parse each label set once and share the object.
  const memo: LineMemo = { labelSets: new Map(), prevText: '', prevLabels: undefined, blockNames: [], blockIndex: -1 };
  let badLines = 0;
  let start = 0;
  let lines = 0;
  while (start < text.length && lines < maxLines) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let line = text.slice(start, end);
    start = end + 1;
    lines++;
    if (line.charCodeAt(line.length - 1) === 13 /* \r */) line = line.slice(0, -1);
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.charCodeAt(0) === 35 /* # */) continue;
    const sample = parseLine(trimmed, memo);
    if (sample) samples.push(sample);
    else badLines++;
  }
  if (start < text.length) badLines++; // lines beyond the cap
  return { samples, badLines };
}

function parseLine(line: string, memo: LineMemo): TextSample | undefined {
  const first = line.charCodeAt(0);
  if (!(isNameChar(first) && !(first >= 48 && first <= 57))) return undefined; // [a-zA-Z_:]
  // The name the next line of the current block would have, when the line starts with it and `{` follows: the scan
  // for the name's end would stop there (the guess is a name read earlier), so it is skipped.
  const guess = memo.blockNames[memo.blockIndex + 1];
  let i = 1;
  if (guess !== undefined && line.charCodeAt(guess.length) === 123 /* { */ && line.indexOf(guess) === 0) i = guess.length;
  else while (i < line.length && isNameChar(line.charCodeAt(i))) i++;
  const nameEnd = i;
  let labels: Record<string, string> = {};
  if (line.charCodeAt(i) === 123 /* { */) {
    // Fast path: the same label text as an earlier line (up to the last `"}` before the value).
    const close = line.lastIndexOf('"}');
    if (close > i) {
      const length = close + 2 - i;
      let shared: Record<string, string> | undefined;
      if (memo.prevLabels !== undefined && memo.prevText.length === length && line.indexOf(memo.prevText, i) === i) shared = memo.prevLabels;
      else {
        const labelText = line.slice(i, close + 2);
        shared = memo.labelSets.get(labelText);
        if (shared !== undefined) {
          memo.prevText = labelText;
          memo.prevLabels = shared;
          memo.blockIndex = -1;
        }
      }
      if (shared !== undefined) {
        const value = valueAt(line, close + 2);
        return value === undefined ? undefined : { name: nameOf(line, nameEnd, shared, memo), labels: shared, value };
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
      const shared = memo.labelSets.get(text);
      if (shared) labels = shared;
      else if (memo.labelSets.size < 100_000) memo.labelSets.set(text, labels);
      if (memo.labelSets.get(text) === labels) {
        memo.prevText = text;
        memo.prevLabels = labels;
        memo.blockIndex = -1;
      }
    }
  }
  const rest = line.slice(i).trim();
  if (rest === '') return undefined;
  const space = rest.indexOf(' ');
  const value = parseValue(space < 0 ? rest : rest.slice(0, space));
  if (value === undefined) return undefined;
  return { name: nameOf(line, nameEnd, labels, memo), labels, value };
}

/** The metric name (`line` up to `end`), shared with the line at the same place of an earlier block when equal. */
function nameOf(line: string, end: number, labels: Record<string, string>, memo: LineMemo): string {
  if (labels !== memo.prevLabels) return line.slice(0, end);
  const k = ++memo.blockIndex;
  const known = memo.blockNames[k];
  if (known !== undefined && known.length === end && line.indexOf(known) === 0) return known;
  const name = line.slice(0, end);
  if (k <= memo.blockNames.length && k < 10_000) memo.blockNames[k] = name;
  return name;
}

/**
 * The value after the labels (`line` is trimmed, `at` just past the `}`), as firstToken + parseValue would read it:
 * the common ` <number>[ <timestamp>]` is read in place, plain integers without a string; the rest goes the long way.
 */
function valueAt(line: string, at: number): number | undefined {
  const n = line.length;
  const c = line.charCodeAt(at + 1);
  // One space, then a digit or sign: what trim() leaves is exactly the text from at + 1.
  if (line.charCodeAt(at) !== 32 || !((c >= 48 && c <= 57) || c === 45 || c === 43)) return parseValue(firstToken(line.slice(at)));
  let end = line.indexOf(' ', at + 1);
  if (end < 0) end = n;
  let p = at + 1;
  const negative = c === 45;
  if (c === 45 || c === 43) p++;
  // Up to 15 digits: accumulated exactly (below 2^53).
  if (end - p >= 1 && end - p <= 15) {
    let v = 0;
    let q = p;
    for (; q < end; q++) {
      const d = line.charCodeAt(q) - 48;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
    }
    if (q === end) return negative ? -v : v;
  }
  return parseValue(line.slice(at + 1, end));
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
