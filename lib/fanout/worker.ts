import { createAzureCredential } from '../azure/credential';
import { collectOnce, openGuardedState } from '../collector';
import { loadConfig } from '../config';
import type { CycleReport } from '../cycle';
import type { Env } from '../env';
import { errorMessage } from '../errors';
import type { Logger } from '../log';
import type { SynapseWorkspace } from '../sources/synapse/config';
import type { GuardedStateStore } from '../state/guarded-store';
import type { StateStore } from '../state/store';
import { MalformedMessageError, parseCollectMessage, type CollectMessage } from './message';
import { countSkipped, type SkipReason } from './skipped';
import { sharedSynapseCollector } from './synapse-collector';
import type { TokenCredential } from '@azure/identity';

export interface WorkerOptions {
  env: Env;
  log: Logger;
  defaultStateStore?: string | ((env: Env) => string);
  credential?: TokenCredential;
  now?: () => number;
}

export type WorkerOutcome = { outcome: 'collected'; report: CycleReport } | { outcome: 'skipped'; reason: SkipReason };

/**
 * The `collect` function's work: one planned slice of one workspace, pushed with the planner's timestamp. A
 * malformed or foreign message is logged and dropped (returning normally, so the queue deletes it instead of
 * retrying it forever); one older than its schedule interval is skipped; one whose slice was already collected for
 * that cycle (a redelivery) is skipped, so it never counts twice. Each skip is counted. Configuration errors throw,
 * so the message is retried and ends in the poison queue.
 */
export async function collectSlice(raw: unknown, options: WorkerOptions): Promise<WorkerOutcome> {
  const { env, log } = options;
  const now = options.now ?? Date.now;
  const config = loadConfig(env, options.defaultStateStore !== undefined ? { defaultStateStore: options.defaultStateStore } : {});
  const credential = options.credential ?? createAzureCredential(env, { log });
  const state = openGuardedState(config, credential, log);
  const skip = async (reason: SkipReason): Promise<WorkerOutcome> => {
    await countSkipped(state, reason);
    return { outcome: 'skipped', reason };
  };

  let message: CollectMessage;
  try {
    message = parseCollectMessage(raw);
  } catch (err) {
    if (!(err instanceof MalformedMessageError)) throw err;
    log.error('collect message malformed; dropped', { error: err.message });
    return skip('malformed');
  }
  const ws = config.synapse?.workspaces.find((w) => w.endpoint === message.workspace);
  if (ws === undefined) {
    log.error('collect message names a workspace that SYNAPSE_WORKSPACES does not list; dropped', { workspace: message.workspace });
    return skip('unknown_workspace');
  }
  const fields = { workspace: ws.name, slice: message.slice, cycle: new Date(message.cycleMs).toISOString() };
  if (now() > message.notAfterMs) {
    log.warn('collect message older than its schedule interval; skipped (a newer plan covers it)', fields);
    return skip('expired');
  }
  const doneKey = `fanout/${ws.name}/slice-${message.slice}/done`;
  if (lastDone(await state.get(doneKey)) >= message.cycleMs) {
    log.info('collect message already collected for this cycle (redelivered); skipped', fields);
    return skip('duplicate');
  }

  const report = await collectApplicationsOf(message, ws, options, credential, state);
  await markDone(state, doneKey, message.cycleMs);
  return { outcome: 'collected', report };
}

async function collectApplicationsOf(message: CollectMessage, ws: SynapseWorkspace, options: WorkerOptions, credential: TokenCredential, state: GuardedStateStore): Promise<CycleReport> {
  const part = `slice-${message.slice}`;
  return collectOnce({
    env: options.env,
    log: options.log,
    credential,
    state,
    source: 'synapse',
    runner: `collect/${ws.name}/${message.slice}`,
    timestampMs: message.cycleMs,
    ...(options.defaultStateStore !== undefined ? { defaultStateStore: options.defaultStateStore } : {}),
    ...(options.now ? { now: options.now } : {}),
    sources: () => [
      {
        name: 'synapse',
        async collect(ctx) {
          try {
            // A slice is bounded (SYNAPSE_APPS_PER_MESSAGE), so it returns whole rather than streaming: its series set is
            // the slice's own (`part`), which the stream's per-target bookkeeping does not know.
            const { emit: _streamed, ...whole } = ctx;
            const apps = await sharedSynapseCollector(credential).collectApplications(ws, message.applications, whole, part);
            return [{ source: 'synapse', target: ws.name, part, up: true, series: apps.series, groups: apps.groups, metadata: apps.metadata }];
          } catch (err) {
            return [{ source: 'synapse', target: ws.name, part, up: false, series: [], error: errorMessage(err) }];
          }
        },
      },
    ],
  });
}

function lastDone(stored: unknown): number {
  return typeof stored === 'object' && stored !== null && typeof (stored as { cycleMs?: unknown }).cycleMs === 'number' ? (stored as { cycleMs: number }).cycleMs : -1;
}

async function markDone(state: StateStore, key: string, cycleMs: number): Promise<void> {
  await state.update(key, (stored) => ({ value: { cycleMs: Math.max(lastDone(stored), cycleMs) }, result: undefined }));
}
