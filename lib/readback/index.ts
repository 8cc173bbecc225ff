import type { CliIo } from '../cli-report';
import type { ReadbackDeps } from './readback-deps';

export type ReadbackCommand = 'query' | 'verify' | 'report';

/** Usage lines of the read-back commands, for the CLI's usage text. */
export const READBACK_USAGE = `  lakepulse query '<PromQL>' [--time T | --start T [--end T] [--step D]] [--format table|csv|json]
      Instant or range query against PROMETHEUS_QUERY_URL. T: RFC 3339, Unix seconds, now, or back from now (30d).
      csv: long format (timestamp RFC 3339, one column per label, value); json: the API's data object.
  lakepulse verify [--within D]
      Did every configured target and the collector itself arrive within D (default 15m)? Run it after a deployment.
  lakepulse report --out FILE.html [--range D]
      Self-contained HTML report with charts of cost, runs, queries, Synapse pools and collector health (default 30d).
      Exit status of all three: 0 success, 1 query error or a target not fresh, 2 configuration error.
`;

/**
 * `lakepulse query|verify|report`: read back over the Prometheus HTTP API. Returns the exit status. Each command's
 * module loads when it runs, so `run --once` (which imports this file for the usage text) starts without them.
 */
export function runReadback(command: ReadbackCommand, args: readonly string[], io: CliIo, deps: ReadbackDeps = {}): Promise<number> {
  switch (command) {
    case 'query':
      return (require('./query-command') as typeof import('./query-command')).runQueryCommand(args, io, deps);
    case 'verify':
      return (require('./verify-command') as typeof import('./verify-command')).runVerifyCommand(args, io, deps);
    case 'report':
      return (require('./report-command') as typeof import('./report-command')).runReportCommand(args, io, deps);
  }
}
