import type { TokenCredential } from '@azure/identity';
import { createAzureCredential } from './azure/credential';
import { loadConfig, type Config } from './config';
import { runCycle, type CycleOptions, type CycleReport } from './cycle';
import type { Env } from './env';
import type { Logger } from './log';
import { createRemoteWriter } from './remote-write';
import type { Source } from './sources/source';
import { selectSources, type SourceSelection } from './sources/registry';
import { GuardedStateStore } from './state/guarded-store';
import { openStateStore } from './state/open';
import { OverlayStateStore, type StateStore } from './state/store';

export interface CollectOnceOptions {
  env: Env;
  source?: SourceSelection;
  /** Collect and report, push nothing, leave the state store as it was. */
  dryRun?: boolean;
  log: Logger;
  /** STATE_STORE when unset: the CLI keeps state in file:.lakepulse/state; Functions in their own storage. */
  defaultStateStore?: string | ((env: Env) => string);
  credential?: TokenCredential;
  now?: () => number;
  /** The kind of cycle (its counters and spool); default the source selection. */
  runner?: string;
  /** Sources to run instead of those the configuration selects (the fan-out planner and worker). */
  sources?: (config: Readonly<Config>, credential: TokenCredential) => Source[];
  /** Hold a lease on the state store for this runner; when another run holds it, skip the cycle. */
  exclusive?: boolean;
  /** The cycle's timestamp when it is not the clock's (a fan-out slice uses its planner's). */
  timestampMs?: number;
  extraHealth?: CycleOptions['extraHealth'];
  /** The state store the caller already opened (the fan-out worker: one store, one failure report, per message). */
  state?: GuardedStateStore;
}

/** How long a run's lease lasts without renewal: a crashed run blocks the next for at most this long. */
const RUN_LEASE_MS = 60_000;

/**
 * One full cycle from the environment: what `lakepulse run --once`, both timer functions and the fan-out worker do.
 * Throws ConfigError. Returns a report with `skipped` set when `exclusive` found another run holding the lease.
 */
export async function collectOnce(options: CollectOnceOptions): Promise<CycleReport> {
  const config = loadConfig(options.env, { dryRun: options.dryRun, ...(options.defaultStateStore !== undefined ? { defaultStateStore: options.defaultStateStore } : {}) });
  const credential = options.credential ?? createAzureCredential(options.env, { log: options.log });
  const sources = options.sources ? options.sources(config, credential) : selectSources(config, options.source ?? 'all', credential);
  const runner = options.runner ?? options.source ?? 'all';
  const guarded = options.state ?? openGuardedState(config, credential, options.log);
  const state: StateStore = options.dryRun ? new OverlayStateStore(guarded) : guarded;

  const lease = options.exclusive && !options.dryRun ? await state.lease(`leases/run-${runner.replace(/\//g, '-')}`, RUN_LEASE_MS) : undefined;
  if (options.exclusive && !options.dryRun && lease === undefined) return skippedReport(`another run of "${runner}" holds the lease on ${config.stateStore}`);
  try {
    const writer =
      options.dryRun || config.remoteWrite === undefined
        ? undefined
        : // Four lanes (each series always on the same one, so its samples stay in order): a receiver ~100 ms away
          // otherwise bounds a large push at one request at a time.
          createRemoteWriter(config.remoteWrite, { log: options.log, credential, lanes: 4, deferFailureLog: true });
    // One error line per remote-write failure cause for the whole cycle (data and health writes together).
    return await runCycle({
      config,
      sources,
      state,
      log: options.log,
      writer,
      now: options.now,
      runner,
      stateFailure: () => guarded.failure,
      ...(options.timestampMs !== undefined ? { timestampMs: options.timestampMs } : {}),
      ...(options.extraHealth ? { extraHealth: options.extraHealth } : {}),
    }).finally(() => writer?.logFailures());
  } finally {
    await lease?.release();
  }
}

/** STATE_STORE opened so that a store that cannot be reached costs the cycle its state, not its push. */
export function openGuardedState(config: Readonly<Config>, credential: TokenCredential, log: Logger): GuardedStateStore {
  const host = /^https?:\/\//i.test(config.stateStore) ? new URL(config.stateStore).host : undefined;
  return new GuardedStateStore(
    openStateStore(config.stateStore, { env: config.env, credential, log }),
    `STATE_STORE=${config.stateStore}`,
    (message) => log.error('state store unavailable', { error: message }),
    host,
  );
}

function skippedReport(reason: string): CycleReport {
  return { series: 0, samples: 0, requests: 0, failedSamples: 0, targets: [], collected: [], metadata: [], durationMs: 0, errors: [], skipped: reason };
}
