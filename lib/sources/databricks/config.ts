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
}

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
    caCertPath: env.string('DATABRICKS_CA_CERT'),
    catalog: env.string('DATABRICKS_CATALOG') ?? 'system',
    auth,
  };
}
