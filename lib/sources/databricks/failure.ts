import { AzureTokenError } from '../../azure/token-failure';
import { describeConnectionFailure, describeDenied, type FailedEndpoint } from '../../failure-messages';
import type { DatabricksConfig } from './config';

/** The warehouse as the settings name it. */
function endpoint(config: DatabricksConfig): FailedEndpoint {
  return {
    host: config.port === 443 ? config.serverHostname : `${config.serverHostname}:${config.port}`,
    setting: 'DATABRICKS_SERVER_HOSTNAME',
    portSetting: 'DATABRICKS_PORT',
    caSetting: 'DATABRICKS_CA_CERT',
  };
}

/** The settings that supply the credential of each DATABRICKS_AUTH (never their values). */
export function credentialSettings(config: DatabricksConfig): string {
  switch (config.auth.kind) {
    case 'pat':
      return 'DATABRICKS_TOKEN (DATABRICKS_AUTH=pat)';
    case 'oauth-m2m':
      return 'DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET (DATABRICKS_AUTH=oauth-m2m)';
    case 'azure':
      return 'the identity (DATABRICKS_AUTH=azure, AZURE_CLIENT_ID), which must be added to the workspace as a service principal';
  }
}

/**
 * The warehouse refused the credential (401/403, or an OAuth client the token endpoint does not know): one line that
 * names the settings to fix and the grant the principal needs.
 */
export function describeWarehouseDenied(status: 401 | 403, config: DatabricksConfig): string {
  return describeDenied(status, endpoint(config), { grant: 'CAN USE on the warehouse in DATABRICKS_HTTP_PATH', credentialSettings: credentialSettings(config) })!;
}

/** DNS, refused, reset, unreachable or TLS, naming the host and DATABRICKS_SERVER_HOSTNAME / _PORT / _CA_CERT. */
export function describeWarehouseConnection(err: unknown, config: DatabricksConfig): string | undefined {
  return describeConnectionFailure(err, endpoint(config));
}

/** The AzureTokenError somewhere in the driver's error chain (it may wrap what getToken threw). */
export function tokenFailureIn(err: unknown): AzureTokenError | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) if (e instanceof AzureTokenError) return e;
  return undefined;
}

/** The status of a refused request: the driver's THTTPException carries `statusCode`; otherwise read from the text. */
export function deniedStatus(err: unknown, message: string): 401 | 403 | undefined {
  const status = (err as { statusCode?: unknown }).statusCode;
  if (status === 401 || status === 403) return status;
  if (/\b403\b|Forbidden|PERMISSION_DENIED/i.test(message)) return 403;
  if (/\b401\b|Unauthorized|invalid_client|invalid_grant|AuthenticationError/i.test(message)) return 401;
  return undefined;
}
