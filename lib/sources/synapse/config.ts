import { ConfigError } from '../../errors';
import { EnvReader, parseUrl } from '../../env';

export interface SynapseWorkspace {
  /** Workspace name, e.g. `contoso` for https://contoso.dev.azuresynapse.net. */
  name: string;
  /** Endpoint base URL without a trailing slash. */
  endpoint: string;
}

export interface SynapseConfig {
  workspaces: SynapseWorkspace[];
  /** Requests in flight per workspace. */
  concurrency: number;
  /** Timeout of one HTTP request. */
  requestTimeoutMs: number;
  /** After this, no new request starts; what was collected is returned. */
  cycleBudgetMs: number;
  /** Monitoring-list pages read at most per discovery. */
  maxPages: number;
  /** api-version of the monitoring API and the Livy path. */
  apiVersion: string;
  /** With FANOUT=queue: running applications per queue message of a big workspace. */
  appsPerMessage: number;
}

/** `SYNAPSE_WORKSPACES`: names or endpoint URLs, comma-separated. */
export function loadSynapseConfig(env: EnvReader): SynapseConfig | undefined {
  const raw = env.string('SYNAPSE_WORKSPACES');
  if (raw === undefined) return undefined;
  const workspaces: SynapseWorkspace[] = [];
  for (const item of raw.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    if (/^[a-z]+:\/\//i.test(item)) {
      const url = parseUrl('SYNAPSE_WORKSPACES', item);
      const name = url.hostname.endsWith('.dev.azuresynapse.net') ? url.hostname.split('.')[0]! : (url.pathname.split('/').filter(Boolean).pop() ?? url.hostname);
      workspaces.push({ name, endpoint: `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}` });
    } else if (/^[a-z0-9][a-z0-9-]{0,48}[a-z0-9]$/i.test(item)) {
      workspaces.push({ name: item.toLowerCase(), endpoint: `https://${item.toLowerCase()}.dev.azuresynapse.net` });
    } else {
      throw new ConfigError('SYNAPSE_WORKSPACES', `SYNAPSE_WORKSPACES must list workspace names or https:// endpoint URLs (got ${JSON.stringify(item)})`);
    }
  }
  if (workspaces.length === 0) throw new ConfigError('SYNAPSE_WORKSPACES', 'SYNAPSE_WORKSPACES lists no workspace');
  return {
    workspaces,
    concurrency: env.positiveInt('SYNAPSE_CONCURRENCY', 16),
    requestTimeoutMs: env.positiveInt('SYNAPSE_REQUEST_TIMEOUT_MS', 15_000),
    cycleBudgetMs: env.positiveInt('SYNAPSE_CYCLE_BUDGET_MS', 120_000),
    maxPages: env.positiveInt('SYNAPSE_MAX_PAGES', 20),
    apiVersion: env.string('SYNAPSE_API_VERSION') ?? '2019-11-01-preview',
    appsPerMessage: env.positiveInt('SYNAPSE_APPS_PER_MESSAGE', 50),
  };
}
