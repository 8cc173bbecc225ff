import type { CycleReport } from './cycle';
import type { Logger } from './log';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  log?: Logger;
  /** Whether stderr is a terminal (picks the default log format). Default process.stderr.isTTY. */
  stderrIsTTY?: boolean;
}

/** Bad command-line usage: exit status 2 with the usage text. */
export class UsageError extends Error {}

/** The --json object of contract section 1. */
export function jsonSummary(report: CycleReport): Record<string, unknown> {
  return {
    series: report.series,
    samples: report.samples,
    requests: report.requests,
    failedSamples: report.failedSamples,
    targets: report.targets.map((t) => ({ source: t.source, target: t.target, up: t.up, series: t.series, ...(t.error !== undefined ? { error: t.error } : {}) })),
  };
}

export function exitStatus(report: CycleReport): number {
  return report.targets.some((t) => t.up === 0) || report.failedSamples > 0 || report.stateError !== undefined ? 1 : 0;
}

