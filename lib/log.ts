import { debuglog } from 'node:util';
import { ConfigError } from './errors';

export type LogFields = Record<string, unknown>;

/** The logging surface every part of lib/ takes. InvocationContext-backed and stderr loggers both fit it. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
/** `json`: one JSON object per line (machines, Application Insights). `logfmt`: `key=value` pairs (people). */
export type LogFormat = 'json' | 'logfmt';

export interface LogSettings {
  level: LogLevel;
  format: LogFormat;
}

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
const FORMATS: readonly LogFormat[] = ['json', 'logfmt'];
const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * LAKEPULSE_LOG_LEVEL (default info) and LAKEPULSE_LOG_FORMAT (default `json`, or `logfmt` when `interactive`: the
 * CLI passes whether stderr is a terminal). A bad value is a ConfigError naming the variable.
 */
export function logSettings(env: Readonly<Record<string, string | undefined>>, defaults: { interactive?: boolean } = {}): LogSettings {
  return {
    level: pick(env, 'LAKEPULSE_LOG_LEVEL', LEVELS, 'info'),
    format: pick(env, 'LAKEPULSE_LOG_FORMAT', FORMATS, defaults.interactive ? 'logfmt' : 'json'),
  };
}

function pick<T extends string>(env: Readonly<Record<string, string | undefined>>, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const found = allowed.find((a) => a === raw.toLowerCase());
  if (found === undefined) throw new ConfigError(name, `${name} must be one of ${allowed.join(', ')} (got ${JSON.stringify(raw)})`);
  return found;
}

const nodeDebug = debuglog('lakepulse');

/** Errors become their message, bigints their digits: nothing a log line cannot hold. */
function plain(_key: string, v: unknown): unknown {
  return v instanceof Error ? v.message : typeof v === 'bigint' ? v.toString() : v;
}

/** `{"time":…,"level":…,"msg":…,…fields}`; `time` left out when the sink adds its own (Functions). */
export function formatJson(level: LogLevel, message: string, fields?: LogFields, time?: Date): string {
  const line: Record<string, unknown> = time ? { time: time.toISOString(), level, msg: message } : { level, msg: message };
  if (fields) for (const [k, v] of Object.entries(fields)) if (v !== undefined && !(k in line)) line[k] = v;
  return JSON.stringify(line, plain);
}

/** `time=… level=… msg="…" key=value …`: values quoted when they hold a space, `=`, a quote or a control character. */
export function formatLogfmt(level: LogLevel, message: string, fields?: LogFields, time?: Date): string {
  const parts: string[] = [];
  if (time) parts.push(`time=${time.toISOString()}`);
  parts.push(`level=${level}`, `msg=${logfmtValue(message)}`);
  if (fields) {
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined || k === 'time' || k === 'level' || k === 'msg') continue;
      parts.push(`${logfmtKey(k)}=${logfmtValue(v)}`);
    }
  }
  return parts.join(' ');
}

function logfmtKey(key: string): string {
  const cleaned = key.replace(/[^A-Za-z0-9_.\-/]/g, '_');
  return cleaned === '' ? '_' : cleaned;
}

function logfmtValue(value: unknown): string {
  const text = typeof value === 'string' ? value : value === null ? 'null' : typeof value === 'object' ? JSON.stringify(value, plain) ?? '' : String(plain('', value));
  return text === '' || /[\s="\\\u0000-\u001f\u007f]/.test(text) ? JSON.stringify(text) : text;
}

function formatter(format: LogFormat): typeof formatJson {
  return format === 'logfmt' ? formatLogfmt : formatJson;
}

export interface StderrLoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Where lines go (each ends with a newline). Default process.stderr. */
  write?: (line: string) => void;
  /** Clock (tests). Default the current time. */
  now?: () => Date;
}

/**
 * Lines on stderr in the chosen format, at `level` and above (default info, json). Debug lines below the level still
 * reach `NODE_DEBUG=lakepulse`, as undici does with its debuglog.
 */
export function stderrLogger(options: StderrLoggerOptions = {}): Logger {
  const min = ORDER[options.level ?? 'info'];
  const format = formatter(options.format ?? 'json');
  const write = options.write ?? ((line: string) => void process.stderr.write(line));
  const now = options.now ?? (() => new Date());
  const emit = (level: LogLevel) => (message: string, fields?: LogFields) => {
    if (ORDER[level] >= min) write(format(level, message, fields, now()) + '\n');
    else if (level === 'debug' && nodeDebug.enabled) nodeDebug('%s', format(level, message, fields, now()));
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** Discards everything; for tests and benchmarks. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Records every line; for tests that assert on what was logged. */
export function memoryLogger(): Logger & { lines: Array<{ level: string; message: string; fields?: LogFields }> } {
  const lines: Array<{ level: string; message: string; fields?: LogFields }> = [];
  const push = (level: string) => (message: string, fields?: LogFields) => void lines.push({ level, message, fields });
  return { lines, debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') };
}

/** The logging methods of an Azure Functions InvocationContext (structural, so lib/ needn't import @azure/functions). */
export interface InvocationLogSink {
  debug(...args: unknown[]): void;
  log(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

/**
 * Logs through the invocation, so Application Insights ties each line to it (and stamps the time). Lines are JSON
 * unless `settings.format` says logfmt; lines below `settings.level` are not passed on.
 */
export function invocationLogger(ctx: InvocationLogSink, settings: Partial<LogSettings> = {}): Logger {
  const min = ORDER[settings.level ?? 'debug'];
  const format = formatter(settings.format ?? 'json');
  const emit = (level: LogLevel, sink: (line: string) => void) => (message: string, fields?: LogFields) => {
    if (ORDER[level] >= min) sink(format(level, message, fields));
  };
  return {
    debug: emit('debug', (l) => ctx.debug(l)),
    info: emit('info', (l) => ctx.log(l)),
    warn: emit('warn', (l) => ctx.warn(l)),
    error: emit('error', (l) => ctx.error(l)),
  };
}
