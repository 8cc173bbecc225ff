import type { TokenCredential } from '@azure/identity';
import { createAzureCredential } from './azure/credential';
import { loadConfig } from './config';
import { runCycle, type CycleReport } from './cycle';
import type { Env } from './env';
import type { Logger } from './log';
import { createRemoteWriter } from './remote-write';
import { selectSources, type SourceSelection } from './sources/registry';
import { openStateStore } from './state/open';
import { OverlayStateStore } from './state/store';

export interface CollectOnceOptions {
  env: Env;
  source?: SourceSelection;
  /** Collect and report, push nothing, leave the state store as it was. */
  dryRun?: boolean;
  log: Logger;
  /** STATE_STORE when unset: the CLI keeps state in file:.lakepulse/state. */
  defaultStateStore?: string;
  credential?: TokenCredential;
  now?: () => number;
}

/** One full cycle from the environment: what `lakepulse run --once` and both timer functions do. Throws ConfigError. */
export async function collectOnce(options: CollectOnceOptions): Promise<CycleReport> {
  const config = loadConfig(options.env, { dryRun: options.dryRun, defaultStateStore: options.defaultStateStore });
  const credential = options.credential ?? createAzureCredential(options.env, { log: options.log });
  const sources = selectSources(config, options.source ?? 'all', credential);
  const baseState = openStateStore(config.stateStore);
  const state = options.dryRun ? new OverlayStateStore(baseState) : baseState;
  const writer =
    options.dryRun || config.remoteWrite === undefined
      ? undefined
      : // Four lanes (each series always on the same one, so its samples stay in order): a receiver ~100 ms away
        // otherwise bounds a large push at one request at a time.
        createRemoteWriter(config.remoteWrite, { log: options.log, credential, lanes: 4, deferFailureLog: true });
  // One error line per remote-write failure cause for the whole cycle (data and health writes together).
  return runCycle({ config, sources, state, log: options.log, writer, now: options.now }).finally(() => writer?.logFailures());
}
