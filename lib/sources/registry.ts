import type { TokenCredential } from '@azure/identity';
import type { Config } from '../config';
import { ConfigError } from '../errors';
import type { Source, SourceName } from './source';

export type SourceSelection = SourceName | 'all';

interface Cached {
  fingerprint: string;
  source: Source;
}

/**
 * Source instances live as long as the process: a Function App instance keeps one Databricks driver client and
 * one Synapse connection pool across invocations. A changed configuration replaces the instance.
 */
const cache = new Map<SourceName, Cached>();

export function selectSources(config: Readonly<Config>, selection: SourceSelection, credential: TokenCredential): Source[] {
  const wanted: SourceName[] = selection === 'all' ? ['databricks', 'synapse'] : [selection];
  const out: Source[] = [];
  for (const name of wanted) {
    const section = name === 'databricks' ? config.databricks : config.synapse;
    if (section === undefined) {
      if (selection === 'all') continue;
      throw name === 'databricks'
        ? new ConfigError('DATABRICKS_SERVER_HOSTNAME', 'DATABRICKS_SERVER_HOSTNAME and DATABRICKS_HTTP_PATH must be set for --source databricks')
        : new ConfigError('SYNAPSE_WORKSPACES', 'SYNAPSE_WORKSPACES must be set for --source synapse');
    }
    const fingerprint = JSON.stringify(section);
    let cached = cache.get(name);
    if (!cached || cached.fingerprint !== fingerprint) {
      void cached?.source.close?.();
      const source = createSource(name, credential);
      cached = { fingerprint, source };
      cache.set(name, cached);
    }
    out.push(cached.source);
  }
  if (out.length === 0) {
    throw new ConfigError(
      'DATABRICKS_SERVER_HOSTNAME',
      'no source is configured: set DATABRICKS_SERVER_HOSTNAME and DATABRICKS_HTTP_PATH, or SYNAPSE_WORKSPACES',
    );
  }
  return out;
}

/**
 * Each source's module loads the first time it is used, so a Synapse-only app never loads @databricks/sql and
 * Thrift (most of a cold start), and a Databricks-only app never loads the Synapse parsers.
 */
function createSource(name: SourceName, credential: TokenCredential): Source {
  if (name === 'databricks') {
    const databricks: typeof import('./databricks') = require('./databricks');
    return databricks.createDatabricksSource({ credential });
  }
  const synapse: typeof import('./synapse') = require('./synapse');
  return synapse.createSynapseSource({ credential });
}

/** Closes every cached source (the CLI calls this before exiting). */
export async function closeSources(): Promise<void> {
  const all = [...cache.values()];
  cache.clear();
  await Promise.all(all.map((c) => c.source.close?.()));
}
