import { debuglog } from 'node:util';

export type LogFields = Record<string, unknown>;

/** The logging surface every part of lib/ takes. InvocationContext-backed and stderr loggers both fit it. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const nodeDebug = debuglog('lakepulse');

function format(level: string, message: string, fields?: LogFields): string {
  const line: Record<string, unknown> = { time: new Date().toISOString(), level, msg: message };
  if (fields) Object.assign(line, fields);
  return JSON.stringify(line, (_k, v: unknown) => (v instanceof Error ? v.message : typeof v === 'bigint' ? v.toString() : v));
}

/** JSON lines on stderr; debug lines only under NODE_DEBUG=lakepulse or LAKEPULSE_LOG_LEVEL=debug. */
export function stderrLogger(options: { level?: 'debug' | 'info' | 'warn' | 'error' } = {}): Logger {
  const order = { debug: 0, info: 1, warn: 2, error: 3 } as const;
  const min = order[options.level ?? 'info'];
  const write = (level: keyof typeof order) => (message: string, fields?: LogFields) => {
    if (level === 'debug' && min > 0) {
      nodeDebug('%s', format(level, message, fields));
      return;
    }
    if (order[level] >= min) process.stderr.write(format(level, message, fields) + '\n');
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
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

/** Logs through the invocation, so Application Insights ties each line to it. */
export function invocationLogger(ctx: InvocationLogSink): Logger {
  const line = (message: string, fields?: LogFields) => (fields ? `${message} ${JSON.stringify(fields)}` : message);
  return {
    debug: (m, f) => ctx.debug(line(m, f)),
    info: (m, f) => ctx.log(line(m, f)),
    warn: (m, f) => ctx.warn(line(m, f)),
    error: (m, f) => ctx.error(line(m, f)),
  };
}
