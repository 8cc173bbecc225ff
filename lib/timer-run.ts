import { collectOnce } from './collector';
import type { CycleReport } from './cycle';
import type { Env } from './env';
import type { CollectMessage } from './fanout/message';
import type { ScheduleStatus } from './fanout/schedule';
import type { Logger } from './log';
import type { SourceName } from './sources/source';
import { functionsStateStore } from './state/open';

/** What lib/ needs of an Azure Functions timer (structural: lib/ never imports @azure/functions). */
export interface TimerInfo {
  isPastDue: boolean;
  scheduleStatus?: ScheduleStatus;
}

/**
 * What a timer function does: one cycle for one source. With FANOUT=queue the Synapse timer only plans, handing its
 * messages to `enqueue` (the queue output binding). A down target or undelivered samples are logged as errors but do
 * not fail the invocation (the next schedule is the retry); a configuration error throws, so it shows as a failed
 * invocation.
 */
export async function runTimer(source: SourceName, timer: TimerInfo, log: Logger, env: Env, enqueue?: (messages: CollectMessage[]) => void): Promise<CycleReport> {
  if (timer.isPastDue) log.warn('timer is past due; running now', { source });
  let report: CycleReport;
  if (source === 'synapse' && env.FANOUT?.trim().toLowerCase() === 'queue') {
    if (!enqueue) throw new Error('FANOUT=queue needs the queue output binding of the synapse function');
    const { planSynapse }: typeof import('./fanout/planner') = require('./fanout/planner');
    const planned = await planSynapse({ env, log, scheduleStatus: timer.scheduleStatus, defaultStateStore: functionsStateStore });
    enqueue(planned.messages);
    report = planned.report;
  } else {
    report = await collectOnce({ env, source, runner: source, log, defaultStateStore: functionsStateStore });
  }
  logSummary(source, report, log);
  return report;
}

/** The queue-triggered `collect` function: one planned slice (see collectSlice). */
export async function runCollect(message: unknown, log: Logger, env: Env): Promise<void> {
  const { collectSlice }: typeof import('./fanout/worker') = require('./fanout/worker');
  const result = await collectSlice(message, { env, log, defaultStateStore: functionsStateStore });
  if (result.outcome === 'collected') logSummary('synapse', result.report, log);
}

function logSummary(source: string, report: CycleReport, log: Logger): void {
  const down = report.targets.filter((t) => t.up === 0);
  const summary = {
    source,
    series: report.series,
    samples: report.samples,
    requests: report.requests,
    failedSamples: report.failedSamples,
    durationMs: Math.round(report.durationMs),
    down: down.map((t) => `${t.target}: ${t.error ?? 'down'}`),
    ...(report.stateError !== undefined ? { stateError: report.stateError } : {}),
  };
  if (down.length || report.failedSamples || report.stateError !== undefined) log.error('cycle finished with problems', summary);
  else log.info('cycle finished', summary);
}
