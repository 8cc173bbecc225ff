import { ConfigError } from '../../errors';
import { EnvReader, parseUrl } from '../../env';
import { workspaceNameOf } from './workspace-name';

export interface SynapseWorkspace {
  /**
   * Workspace name, e.g. `contoso` for https://contoso.dev.azuresynapse.net, `127.0.0.1:9001` for
   * http://127.0.0.1:9001 (see workspaceNameOf); unique among the configured workspaces.
   */
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
      workspaces.push({ name: workspaceNameOf(url), endpoint: `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}` });
    } else if (/^[a-z0-9][a-z0-9-]{0,48}[a-z0-9]$/i.test(item)) {
      workspaces.push({ name: item.toLowerCase(), endpoint: `https://${item.toLowerCase()}.dev.azuresynapse.net` });
    } else {
      throw new ConfigError('SYNAPSE_WORKSPACES', `SYNAPSE_WORKSPACES must list workspace names or https:// endpoint URLs (got ${JSON.stringify(item)})`);
    }
  }
  if (workspaces.length === 0) throw new ConfigError('SYNAPSE_WORKSPACES', 'SYNAPSE_WORKSPACES lists no workspace');
  assertDistinct(workspaces);
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

/** Two entries with one name would write into each other's series and state: say which, rather than mix them. */
function assertDistinct(workspaces: readonly SynapseWorkspace[]): void {
  const byName = new Map<string, SynapseWorkspace>();
  for (const ws of workspaces) {
    const other = byName.get(ws.name);
    if (other === undefined) {
      byName.set(ws.name, ws);
      continue;
    }
    // Endpoints are scheme, host and path only (no user info, no query): safe to print.
    const what = other.endpoint === ws.endpoint ? `lists ${ws.endpoint} twice` : `lists ${other.endpoint} and ${ws.endpoint}, which would both be workspace ${JSON.stringify(ws.name)}`;
    throw new ConfigError('SYNAPSE_WORKSPACES', `SYNAPSE_WORKSPACES ${what}; list each workspace once, by a distinct name or endpoint`);
  }
}
