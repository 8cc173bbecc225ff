import { staticAuthorization } from '../http-auth';
import type { TokenCredential } from '@azure/identity';
import { cachedTokenSource, createAzureCredential } from '../azure/credential';
import { AzureTokenError } from '../azure/token-failure';
import { errorMessage } from '../errors';
import type { QueryAuth } from './query-config';
import { QueryError } from './query-error';

/** The `Authorization` header value for the next query, or undefined for none. */
export type QueryAuthorization = (signal?: AbortSignal) => Promise<string | undefined>;

/**
 * The header for each query from PROMETHEUS_QUERY_AUTH. Secrets stay inside the closure; a failed token request
 * becomes a QueryError that names the setting and the scope, never a token.
 */
export function queryAuthorization(auth: QueryAuth, env: Readonly<Record<string, string | undefined>>, credential?: TokenCredential): QueryAuthorization {
  switch (auth.kind) {
    case 'none':
      return async () => undefined;
    case 'bearer':
    case 'basic': {
      const value = staticAuthorization(auth);
      return async () => value;
    }
    case 'azure': {
      const tokens = cachedTokenSource(credential ?? createAzureCredential(env), auth.scope);
      return async (signal) => {
        try {
          return `Bearer ${await tokens.getToken(signal)}`;
        } catch (err) {
          // An AzureTokenError already names the scope and what to do; anything else gets that said here.
          if (err instanceof AzureTokenError) throw new QueryError(`PROMETHEUS_QUERY_AUTH=azure: ${err.message}`);
          throw new QueryError(
            `PROMETHEUS_QUERY_AUTH=azure: no Microsoft Entra token for ${auth.scope} (managed identity, AZURE_CLIENT_ID, or \`az login\` on a laptop): ${errorMessage(err)}`,
          );
        }
      };
    }
  }
}
