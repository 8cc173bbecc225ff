import { hostname } from 'node:os';
import { Env, EnvReader } from './env';
import { loadRemoteWriteConfig, RemoteWriteConfig } from './remote-write/config';
import { DatabricksConfig, loadDatabricksConfig } from './sources/databricks/config';
import { loadSynapseConfig, SynapseConfig } from './sources/synapse/config';
import { validateStateStoreSpec } from './state/open';

export interface Config {
  /** Undefined only with --dry-run and no REMOTE_WRITE_URL. */
  remoteWrite?: RemoteWriteConfig;
  /** `k=v` pairs added to every series; a series' own label wins. */
  externalLabels: Readonly<Record<string, string>>;
  /** `file:<dir>` or a blob container URL. */
  stateStore: string;
  databricks?: DatabricksConfig;
  synapse?: SynapseConfig;
  /** `instance` label of Lakepulse's own health series: LAKEPULSE_INSTANCE, else the Function App name, else the host name. */
  instanceName: string;
  /** Collection budget of one cycle: after it no new request starts and what was collected is pushed. */
  cycleBudgetMs: number;
  /** `queue`: the Synapse timer only plans, queue messages carry the work to the `collect` function. */
  fanout?: 'queue';
  /** The raw environment, for @azure/identity (which reads its own variables). Never logged. */
  env: Env;
}

export interface LoadConfigOptions {
  /** --dry-run: no REMOTE_WRITE_URL needed. */
  dryRun?: boolean;
  /**
   * Default STATE_STORE when unset (the CLI's is file:.lakepulse/state); a function (Functions' own storage) is
   * called only then.
   */
  defaultStateStore?: string | ((env: Env) => string);
}

/** Reads and validates every setting once; the only place that interprets environment variables. */
export function loadConfig(env: Env, options: LoadConfigOptions = {}): Readonly<Config> {
  const reader = new EnvReader(env);
  const fallback = options.defaultStateStore;
  const stateStore = reader.string('STATE_STORE') ?? (typeof fallback === 'function' ? fallback(env) : fallback) ?? 'file:.lakepulse/state';
  validateStateStoreSpec(stateStore);
  const config: Config = {
    remoteWrite: loadRemoteWriteConfig(reader, !options.dryRun),
    externalLabels: Object.freeze(reader.keyValues('EXTERNAL_LABELS')),
    stateStore,
    databricks: loadDatabricksConfig(reader),
    synapse: loadSynapseConfig(reader),
    instanceName: reader.string('LAKEPULSE_INSTANCE') ?? reader.string('WEBSITE_SITE_NAME') ?? hostname(),
    cycleBudgetMs: reader.positiveInt('LAKEPULSE_CYCLE_BUDGET_MS', 240_000),
    fanout: reader.oneOf('FANOUT', ['queue'] as const),
    env,
  };
  return Object.freeze(config);
}
