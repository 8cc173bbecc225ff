import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** One log line as the CLI writes it on stderr (json, the default when stderr is not a terminal). */
export interface LogLine {
  time: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  [field: string]: unknown;
}

export interface JsonSummary {
  series: number;
  samples: number;
  requests: number;
  failedSamples: number;
  targets: Array<{ source: string; target: string; up: number; series: number; error?: string }>;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stderr parsed line by line (every line must be JSON). */
  lines: LogLine[];
  /** The last stdout line, with --json. */
  summary: JsonSummary;
}

/**
 * `lakepulse <args>` as a first-time user runs it: the built CLI in its own process (so @azure/identity's
 * process-wide state starts fresh), with ONLY the given settings. Nothing is inherited from this process: no
 * AZURE_* / IDENTITY_* / MSI_* variables, a PATH holding only node (no az, pwsh or azd), an empty HOME (no cached
 * developer logins) and a fresh state directory. Every address in `env` must be loopback.
 */
export async function runCliProcess(args: readonly string[], env: Record<string, string>): Promise<CliRun> {
  const home = await mkdtemp(join(tmpdir(), 'lakepulse-errors-'));
  try {
    const child = spawn(process.execPath, [join(__dirname, '../../lib/cli-main.js'), ...args], {
      env: { PATH: dirname(process.execPath), HOME: home, STATE_STORE: `file:${join(home, 'state')}`, LAKEPULSE_INSTANCE: 'errors-test', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => void (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => void (stderr += c.toString('utf8')));
    const code = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (status) => resolve(status ?? -1));
    });
    const lines = stderr
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => {
        try {
          return JSON.parse(l) as LogLine;
        } catch {
          throw new Error(`a stderr line is not JSON: ${l}\n--- stderr ---\n${stderr}`);
        }
      });
    const last = stdout.trim().split('\n').at(-1) ?? '';
    let summary: JsonSummary;
    try {
      summary = JSON.parse(last) as JsonSummary;
    } catch {
      throw new Error(`no JSON summary on stdout (exit ${code})\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`);
    }
    return { code, stdout, stderr, lines, summary };
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/** The lines at `level`, as `msg` plus fields without the time (for exact comparisons). */
export function linesAt(run: CliRun, level: LogLine['level']): Array<Record<string, unknown>> {
  return run.lines.filter((l) => l.level === level).map(({ time: _time, level: _level, ...rest }) => rest);
}
