import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectOnce } from './collector';
import type { CycleReport } from './cycle';
import type { Env } from './env';
import type { Logger } from './log';
import type { SourceName } from './sources/source';

/**
 * What a timer function does: one cycle for one source. A down target or undelivered samples are logged as errors
 * but do not fail the invocation (the next schedule is the retry); a configuration error throws, so it shows as a
 * failed invocation.
 */
export async function runTimer(source: SourceName, timer: { isPastDue: boolean }, log: Logger, env: Env): Promise<CycleReport> {
  if (timer.isPastDue) log.warn('timer is past due; running now', { source });
  const report = await collectOnce({ env, source, log, defaultStateStore: `file:${join(tmpdir(), 'lakepulse-state')}` });
  const down = report.targets.filter((t) => t.up === 0);
  const summary = {
    source,
    series: report.series,
    samples: report.samples,
    requests: report.requests,
    failedSamples: report.failedSamples,
    durationMs: Math.round(report.durationMs),
    down: down.map((t) => `${t.target}: ${t.error ?? 'down'}`),
  };
  if (down.length || report.failedSamples) log.error('cycle finished with problems', summary);
  else log.info('cycle finished', summary);
  return report;
}
