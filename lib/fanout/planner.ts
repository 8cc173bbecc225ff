import type { TokenCredential } from '@azure/identity';
import { collectOnce } from '../collector';
import type { CycleReport } from '../cycle';
import type { Env } from '../env';
import type { Logger } from '../log';
import type { Series } from '../series';
import type { Source, TargetResult } from '../sources/source';
import type { StateStore } from '../state/store';
import { COLLECT_QUEUE, MESSAGE_VERSION, type CollectMessage } from './message';
import { scheduleIntervalMs, type ScheduleStatus } from './schedule';
import { assignSlices, readAssignment } from './slices';
import { sharedSynapseCollector } from './synapse-collector';
import { SKIPPED_KEY, readSkipped } from './skipped';

export interface PlanOptions {
  env: Env;
  log: Logger;
  scheduleStatus?: ScheduleStatus;
  defaultStateStore?: string | ((env: Env) => string);
  credential?: TokenCredential;
  now?: () => number;
}

/**
 * FANOUT=queue: the Synapse timer's cycle. Discovers every workspace (its discovery series, counts and ended
 * applications are the planner's, pushed here) and plans one message per slice of running applications for the
 * `collect` function. Returns the messages for the queue output binding.
 */
export async function planSynapse(options: PlanOptions): Promise<{ report: CycleReport; messages: CollectMessage[] }> {
  const messages: CollectMessage[] = [];
  const report = await collectOnce({
    env: options.env,
    log: options.log,
    source: 'synapse',
    runner: 'synapse',
    ...(options.defaultStateStore !== undefined ? { defaultStateStore: options.defaultStateStore } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.credential ? { credential: options.credential } : {}),
    sources: (config, credential) => {
      const collector = sharedSynapseCollector(credential);
      const intervalMs = scheduleIntervalMs(options.scheduleStatus, options.env.SYNAPSE_SCHEDULE);
      const planner: Source = {
        name: 'synapse',
        async collect(ctx): Promise<TargetResult[]> {
          const synapse = ctx.config.synapse;
          if (!synapse) return [];
          return Promise.all(
            synapse.workspaces.map(async (ws) => {
              const found = await collector.discover(ws, ctx);
              const { slices } = await ctx.state.update(`fanout/${ws.name}/slices`, (stored) => {
                const planned = assignSlices(readAssignment(stored), found.targets ?? [], synapse.appsPerMessage);
                return { value: planned.assignment, result: planned };
              });
              slices.forEach((applications, slice) =>
                messages.push({ version: MESSAGE_VERSION, kind: 'synapse-slice', cycleMs: ctx.nowMs, notAfterMs: ctx.nowMs + intervalMs, workspace: ws.endpoint, slice, applications }),
              );
              return found.result;
            }),
          );
        },
      };
      if (config.synapse === undefined) return [];
      return [planner];
    },
    extraHealth: skippedSeries,
  });
  options.log.info('synapse slices planned', { queue: COLLECT_QUEUE, messages: messages.length, applications: messages.reduce((n, m) => n + m.applications.length, 0) });
  return { report, messages };
}

/** `lakepulse_fanout_messages_skipped_total{reason}`: what workers skipped (expired, duplicate, malformed). */
async function skippedSeries(nowMs: number, state: StateStore, instance: string): Promise<Series[]> {
  const skipped = readSkipped(await state.get(SKIPPED_KEY));
  return Object.entries(skipped).map(([reason, n]) => ({
    labels: { __name__: 'lakepulse_fanout_messages_skipped_total', job: 'lakepulse', instance, runner: 'synapse', reason },
    samples: [{ value: n, timestampMs: nowMs }],
  }));
}
