import { parseArgs } from 'node:util';
import { collectOnce } from './collector';
import type { CycleReport } from './cycle';
import { ConfigError, errorMessage } from './errors';
import { toExposition } from './exposition';
import { stderrLogger, type Logger } from './log';
import type { SourceSelection } from './sources/registry';
import { closeSources } from './sources/registry';
import { exitStatus, jsonSummary, UsageError, type CliIo } from './cli-report';
import { VERSION } from './version';

export type { CliIo } from './cli-report';

const USAGE = `Usage:
  lakepulse run --once [--source databricks|synapse|all] [--dry-run] [--json]
      One collection cycle configured from environment variables (see README), pushed with remote write.
      --dry-run  collect, print Prometheus text exposition on stdout, push nothing
      --json     the last line on stdout is a JSON summary
      Exit status: 0 all collected and delivered, 1 some target down or samples not delivered, 2 configuration error.
  lakepulse emulate [--databricks-data DIR] [--synapse-data FILE] [--port-base N]
      Start the local Databricks, Synapse, managed-identity and remote-write emulators; print their settings as one
      JSON line {"env":{...}}; run until SIGTERM.
  lakepulse demo
      What \`npm start\` runs: the emulators, one full cycle against them, and what the local receiver got.
  lakepulse --version
`;

/** The CLI as a function of argv and io, so tests drive it in-process. Returns the exit status. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  const log = io.log ?? stderrLogger({ level: io.env.LAKEPULSE_LOG_LEVEL === 'debug' ? 'debug' : 'info' });
  try {
    switch (command) {
      case 'run':
        return await runCommand(rest, io, log);
      case 'emulate':
        return await (require('./emulate') as typeof import('./emulate')).runEmulate(rest, io); // the emulators (DuckDB, Thrift) load only here
      case 'demo':
        return await (require('./demo') as typeof import('./demo')).runDemo(io, log);
      case '--version':
      case 'version':
        io.stdout(`${VERSION}\n`);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout(USAGE);
        return command === undefined ? 2 : 0;
      default:
        io.stderr(`lakepulse: unknown command ${JSON.stringify(command)}\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(`lakepulse: configuration error: ${err.message}\n`);
      return 2;
    }
    if (err instanceof UsageError) {
      io.stderr(`lakepulse: ${err.message}\n${USAGE}`);
      return 2;
    }
    io.stderr(`lakepulse: ${errorMessage(err)}\n`);
    return 1;
  }
}

async function runCommand(args: readonly string[], io: CliIo, log: Logger): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        once: { type: 'boolean', default: false },
        source: { type: 'string', default: 'all' },
        'dry-run': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new UsageError(errorMessage(err));
  }
  const { values } = parsed;
  if (!values.once) throw new UsageError('run needs --once: each invocation runs one cycle (schedule it with cron, a timer function or a job)');
  const source = values.source ?? 'all';
  if (source !== 'all' && source !== 'databricks' && source !== 'synapse') throw new UsageError(`--source must be databricks, synapse or all (got ${JSON.stringify(source)})`);
  try {
    const report = await collectOnce({ env: io.env, source: source as SourceSelection, dryRun: values['dry-run'], log });
    if (values['dry-run']) io.stdout(toExposition(report.collected, report.metadata));
    if (values.json) io.stdout(JSON.stringify(jsonSummary(report)) + '\n');
    else if (!values['dry-run']) io.stderr(textSummary(report));
    return exitStatus(report);
  } finally {
    await closeSources();
  }
}

function textSummary(report: CycleReport): string {
  const lines = report.targets.map((t) => `  ${t.source.padEnd(10)} ${t.target.padEnd(40)} ${t.up ? 'up  ' : 'DOWN'} ${String(t.series).padStart(7)} series${t.error ? `  (${t.error})` : ''}`);
  return (
    `lakepulse: ${report.series} series, ${report.samples} samples, ${report.requests} requests, ${report.failedSamples} samples not delivered, ${(report.durationMs / 1000).toFixed(2)} s\n` +
    lines.join('\n') +
    '\n'
  );
}
