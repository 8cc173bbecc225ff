import { accessSync, constants } from 'node:fs';
import { ConfigError } from '../../errors';
import { EnvReader } from '../../env';

export type DatabricksAuth =
  | { kind: 'oauth-m2m'; clientId: string; clientSecret: string }
  | { kind: 'azure' }
  | { kind: 'pat'; token: string };

export interface DatabricksConfig {
  serverHostname: string;
  httpPath: string;
  port: number;
  /** PEM text of an extra trusted CA (read from DATABRICKS_CA_CERT, a file path). */
  caCertPath?: string;
  catalog: string;
  auth: DatabricksAuth;
  /** A finished run longer than this is an SLA miss. */
  slaSeconds: number;
  windows: { billingDays: number; priceChangeDays: number; jobsHours: number; pipelinesHours: number; queriesHours: number };
  /** How often each domain's statement runs; between refreshes the cached result is re-emitted. */
  refreshMs: { billing: number; jobs: number; pipelines: number; queries: number };
  /** STATEMENT_TIMEOUT of the session. */
  statementTimeoutSeconds: number;
  /** How long a cycle keeps retrying a warehouse that is starting. */
  coldStartDeadlineMs: number;
  /** A domain whose table is missing or not granted is tried again every this many cycles. */
  tableRecheckCycles: number;
}

/**
 * Refresh intervals by how fresh each system table really is, so the warehouse can sleep between refreshes. They divide
 * one another and refreshes are aligned to wall-clock slots (schedule.ts), so all due domains share one wake: 4 wakes
 * and 11 statements an hour.
 * - billing: `system.billing.usage` arrives hours late and is restated for days; hourly is already generous.
 * - jobs, pipelines: the lakeflow timelines lag by minutes; every 15 minutes keeps failures and durations close.
 * - queries: `system.query.history` rows typically arrive within the hour; a faster refresh would not see them sooner.
 */
export const DEFAULT_REFRESH_MINUTES = { billing: 60, jobs: 15, pipelines: 15, queries: 30 } as const;

/** The Databricks source is enabled when DATABRICKS_SERVER_HOSTNAME and DATABRICKS_HTTP_PATH are set. */
export function loadDatabricksConfig(env: EnvReader): DatabricksConfig | undefined {
  const serverHostname = env.string('DATABRICKS_SERVER_HOSTNAME');
  const httpPath = env.string('DATABRICKS_HTTP_PATH');
  if (serverHostname === undefined && httpPath === undefined) return undefined;
  if (serverHostname === undefined) throw new ConfigError('DATABRICKS_SERVER_HOSTNAME', 'DATABRICKS_SERVER_HOSTNAME must be set when DATABRICKS_HTTP_PATH is');
  if (httpPath === undefined) throw new ConfigError('DATABRICKS_HTTP_PATH', 'DATABRICKS_HTTP_PATH must be set when DATABRICKS_SERVER_HOSTNAME is');
  if (/^[a-z]+:\/\//i.test(serverHostname) || serverHostname.includes('/')) {
    throw new ConfigError('DATABRICKS_SERVER_HOSTNAME', `DATABRICKS_SERVER_HOSTNAME must be a bare host name such as adb-123.4.azuredatabricks.net (got ${JSON.stringify(serverHostname)})`);
  }
  if (!httpPath.startsWith('/')) {
    throw new ConfigError('DATABRICKS_HTTP_PATH', `DATABRICKS_HTTP_PATH must start with / such as /sql/1.0/warehouses/abc (got ${JSON.stringify(httpPath)})`);
  }
  const clientId = env.string('DATABRICKS_CLIENT_ID');
  const clientSecret = env.secret('DATABRICKS_CLIENT_SECRET');
  const token = env.secret('DATABRICKS_TOKEN');
  const fallback = clientId !== undefined || clientSecret !== undefined ? 'oauth-m2m' : token !== undefined ? 'pat' : 'azure';
  const kind = env.oneOf('DATABRICKS_AUTH', ['oauth-m2m', 'azure', 'pat'] as const, fallback);
  let auth: DatabricksAuth;
  if (kind === 'oauth-m2m') {
    if (clientId === undefined) throw new ConfigError('DATABRICKS_CLIENT_ID', 'DATABRICKS_CLIENT_ID must be set when DATABRICKS_AUTH=oauth-m2m');
    if (clientSecret === undefined) throw new ConfigError('DATABRICKS_CLIENT_SECRET', 'DATABRICKS_CLIENT_SECRET must be set when DATABRICKS_AUTH=oauth-m2m (it is unset)');
    auth = { kind, clientId, clientSecret };
  } else if (kind === 'pat') {
    if (token === undefined) throw new ConfigError('DATABRICKS_TOKEN', 'DATABRICKS_TOKEN must be set when DATABRICKS_AUTH=pat (it is unset)');
    auth = { kind, token };
  } else {
    auth = { kind };
  }
  return {
    serverHostname,
    httpPath,
    port: env.positiveInt('DATABRICKS_PORT', 443),
    caCertPath: readableFile(env, 'DATABRICKS_CA_CERT'),
    catalog: catalogName(env.string('DATABRICKS_CATALOG') ?? 'system'),
    auth,
    slaSeconds: env.positiveInt('DATABRICKS_SLA_SECONDS', 3600),
    windows: {
      billingDays: env.positiveInt('DATABRICKS_BILLING_WINDOW_DAYS', 30),
      priceChangeDays: env.positiveInt('DATABRICKS_PRICE_CHANGE_WINDOW_DAYS', 90),
      jobsHours: env.positiveInt('DATABRICKS_JOBS_WINDOW_HOURS', 24),
      pipelinesHours: env.positiveInt('DATABRICKS_PIPELINES_WINDOW_HOURS', 24),
      queriesHours: env.positiveInt('DATABRICKS_QUERIES_WINDOW_HOURS', 1),
    },
    refreshMs: {
      billing: env.positiveInt('DATABRICKS_BILLING_REFRESH_MINUTES', DEFAULT_REFRESH_MINUTES.billing) * 60_000,
      jobs: env.positiveInt('DATABRICKS_JOBS_REFRESH_MINUTES', DEFAULT_REFRESH_MINUTES.jobs) * 60_000,
      pipelines: env.positiveInt('DATABRICKS_PIPELINES_REFRESH_MINUTES', DEFAULT_REFRESH_MINUTES.pipelines) * 60_000,
      queries: env.positiveInt('DATABRICKS_QUERIES_REFRESH_MINUTES', DEFAULT_REFRESH_MINUTES.queries) * 60_000,
    },
    statementTimeoutSeconds: env.positiveInt('DATABRICKS_STATEMENT_TIMEOUT_SECONDS', 300),
    coldStartDeadlineMs: env.positiveInt('DATABRICKS_COLD_START_DEADLINE_SECONDS', 600) * 1000,
    tableRecheckCycles: env.positiveInt('DATABRICKS_TABLE_RECHECK_CYCLES', 10),
  };
}

/** A catalog name goes into SQL: only plain identifiers are accepted. */
function catalogName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ConfigError('DATABRICKS_CATALOG', `DATABRICKS_CATALOG must be a plain identifier (got ${JSON.stringify(name)})`);
  return name;
}

/** A path setting that must name a readable file (checked once, at start). */
function readableFile(env: EnvReader, name: string): string | undefined {
  const path = env.string(name);
  if (path === undefined) return undefined;
  try {
    accessSync(path, constants.R_OK);
  } catch (err) {
    throw new ConfigError(name, `${name} must name a readable PEM file (${(err as NodeJS.ErrnoException).code ?? 'unreadable'}: ${path})`);
  }
  return path;
}
