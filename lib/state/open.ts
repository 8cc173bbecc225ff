import type { TokenCredential } from '@azure/identity';
import { ConfigError } from '../errors';
import { parseUrl, redactUrl, type Env } from '../env';
import { FileBackend } from './file-store';
import { VersionedStateStore, type StateBackend, type StateLog, type StateStore } from './store';

/** The container Functions keep state in, in the app's own storage account, when STATE_STORE is unset. */
export const FUNCTIONS_STATE_CONTAINER = 'lakepulse-state';
/** STATE_STORE form for "that container of the account in the AzureWebJobsStorage connection string". */
const CONNECTION_STRING_SPEC = `AzureWebJobsStorage:${FUNCTIONS_STATE_CONTAINER}`;

/**
 * Where state lives in a Function App without STATE_STORE: the `lakepulse-state` container of the app's own storage
 * (identity-based `AzureWebJobsStorage__blobServiceUri` / `__accountName`, or the `AzureWebJobsStorage` connection
 * string), so a deployment needs no extra setting. A temp directory would vanish with the instance, so it is never
 * the default.
 */
export function functionsStateStore(env: Env): string {
  const uri = env.AzureWebJobsStorage__blobServiceUri?.trim();
  if (uri) return `${uri.replace(/\/+$/, '')}/${FUNCTIONS_STATE_CONTAINER}`;
  const account = env.AzureWebJobsStorage__accountName?.trim();
  if (account) return `https://${account}.blob.core.windows.net/${FUNCTIONS_STATE_CONTAINER}`;
  const connection = env.AzureWebJobsStorage?.trim();
  if (connection) return /UseDevelopmentStorage=true/i.test(connection) ? `http://127.0.0.1:10000/devstoreaccount1/${FUNCTIONS_STATE_CONTAINER}` : CONNECTION_STRING_SPEC;
  throw new ConfigError('STATE_STORE', 'STATE_STORE is unset and the app has no AzureWebJobsStorage settings to keep state in: set STATE_STORE to a blob container URL');
}

/** Checks a STATE_STORE value's form (config load); opening happens per cycle. */
export function validateStateStoreSpec(spec: string): void {
  if (spec === CONNECTION_STRING_SPEC) return;
  if (spec.startsWith('file:')) {
    if (spec === 'file:') throw new ConfigError('STATE_STORE', 'STATE_STORE=file: needs a directory, e.g. file:.lakepulse/state');
    return;
  }
  if (!/^https?:\/\//i.test(spec)) {
    throw new ConfigError('STATE_STORE', `STATE_STORE must be file:<dir> or a blob container URL (got ${JSON.stringify(redactUrl(spec))})`);
  }
  const url = parseUrl('STATE_STORE', spec);
  if (url.search !== '') throw new ConfigError('STATE_STORE', 'STATE_STORE must be a container URL without a query string (no SAS tokens: the store authenticates with Entra ID)');
  const segments = url.pathname.split('/').filter(Boolean);
  const expected = url.pathname.startsWith('/devstoreaccount1/') ? 2 : 1;
  if (segments.length !== expected) {
    throw new ConfigError('STATE_STORE', `STATE_STORE must name one container, e.g. https://<account>.blob.core.windows.net/lakepulse-state (got ${redactUrl(spec)})`);
  }
}

export interface OpenStateOptions {
  env: Env;
  credential: TokenCredential;
  log: StateLog;
}

/** STATE_STORE → a store. The blob client loads only for blob URLs, so a file-backed CLI never pays for it. */
export function openStateStore(spec: string, options: OpenStateOptions): StateStore {
  return new VersionedStateStore(openBackend(spec, options), options.log);
}

function openBackend(spec: string, options: OpenStateOptions): StateBackend {
  validateStateStoreSpec(spec);
  if (spec.startsWith('file:')) return new FileBackend(spec.slice('file:'.length));
  const blob: typeof import('./blob-store') = require('./blob-store');
  if (spec === CONNECTION_STRING_SPEC) {
    const connectionString = options.env.AzureWebJobsStorage ?? '';
    return new blob.BlobBackend(blob.containerClient('', { kind: 'connection-string', connectionString, container: FUNCTIONS_STATE_CONTAINER }), `STATE_STORE (container ${FUNCTIONS_STATE_CONTAINER} of AzureWebJobsStorage)`);
  }
  const url = new URL(spec);
  const auth = blob.isAzuriteUrl(url) ? ({ kind: 'azurite' } as const) : ({ kind: 'token', credential: options.credential } as const);
  return new blob.BlobBackend(blob.containerClient(spec.replace(/\/+$/, ''), auth), `STATE_STORE=${redactUrl(spec)}`);
}
