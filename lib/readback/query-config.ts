import { readHttpAuth, type HttpAuth } from '../http-auth';
import { ConfigError } from '../errors';
import { EnvReader, parseUrl, type Env } from '../env';

/** Entra scope of the Azure Monitor workspace query API (role Monitoring Data Reader). */
export const AZURE_PROMETHEUS_QUERY_SCOPE = 'https://prometheus.monitor.azure.com/.default';

export type QueryAuth = HttpAuth;

export interface QueryEndpointConfig {
  /** Base of the Prometheus HTTP API, without a trailing slash or `/api/v1`. */
  baseUrl: URL;
  auth: QueryAuth;
  /** Per-request timeout. */
  timeoutMs: number;
  /** The raw environment, for @azure/identity (AZURE_CLIENT_ID, ...). Never logged. */
  env: Env;
}

export const queryDefaults = {
  timeoutMs: 60_000,
} as const;

/** Reads PROMETHEUS_QUERY_*: the endpoint `query`, `verify` and `report` read back from. Throws ConfigError. */
export function loadQueryConfig(env: Env): QueryEndpointConfig {
  const reader = new EnvReader(env);
  const raw = reader.requiredString(
    'PROMETHEUS_QUERY_URL',
    'the base of a Prometheus HTTP API: an Azure Monitor workspace query endpoint, a Prometheus, or a Grafana data-source proxy URL',
  );
  const url = parseUrl('PROMETHEUS_QUERY_URL', raw);
  if (url.username !== '' || url.password !== '') {
    throw new ConfigError('PROMETHEUS_QUERY_URL', 'PROMETHEUS_QUERY_URL must not contain credentials: use PROMETHEUS_QUERY_AUTH=basic with PROMETHEUS_QUERY_USERNAME and PROMETHEUS_QUERY_PASSWORD');
  }
  const defaultAuth = url.hostname.toLowerCase().endsWith('.prometheus.monitor.azure.com') ? 'azure' : 'none';
  const auth = readHttpAuth(reader, 'PROMETHEUS_QUERY', defaultAuth, AZURE_PROMETHEUS_QUERY_SCOPE);
  return { baseUrl: apiBase(url), auth, timeoutMs: reader.positiveInt('PROMETHEUS_QUERY_TIMEOUT_MS', queryDefaults.timeoutMs), env };
}

/** `https://h/p/`, `https://h/p/api/v1` and `https://h/p` all name the same API base `https://h/p`. */
function apiBase(url: URL): URL {
  const base = new URL(url.href);
  base.search = '';
  base.hash = '';
  base.pathname = base.pathname.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
  return base;
}

