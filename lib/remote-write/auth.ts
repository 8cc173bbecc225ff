import { staticAuthorization } from '../http-auth';
import type { TokenCredential } from '@azure/identity';
import { cachedTokenSource, createAzureCredential } from '../azure/credential';
import type { Logger } from '../log';
import type { RemoteWriteAuth } from './config';

/** Returns the `Authorization` header value for the next request, or undefined for none. */
export type AuthHeaderProvider = (signal?: AbortSignal) => Promise<string | undefined>;

export interface AuthDeps {
  /** For `azure`: the credential to use (tests, or a cycle sharing one). Default: the managed identity / DefaultAzureCredential. */
  credential?: TokenCredential;
  /** For `azure` without `credential`: a user-assigned managed identity's client id (the AZURE_CLIENT_ID setting). */
  azureClientId?: string;
  /** Clock for the token cache (tests). */
  now?: () => number;
  /** Where a token failure's full chain goes (debug). */
  log?: Logger;
}

/**
 * The `Authorization` header for each request, from the configured auth. Secrets stay inside the closure: nothing
 * here logs, and no error message contains a token or password.
 *
 * - `azure`: a Microsoft Entra token for `auth.scope` (https://monitor.azure.com/.default), cached in memory until
 *   5 minutes before `expiresOnTimestamp` (lib/azure/credential.ts `cachedTokenSource`, shared with the other Azure
 *   callers), then refreshed; concurrent requests share one token request.
 * - `bearer`: `Bearer <token>`; `basic`: `Basic base64(user:password)`; `none`: no header.
 */
export function authHeaderProvider(auth: RemoteWriteAuth, deps: AuthDeps = {}): AuthHeaderProvider | undefined {
  switch (auth.kind) {
    case 'none':
      return undefined;
    case 'bearer':
    case 'basic': {
      const value = staticAuthorization(auth);
      return async () => value;
    }
    case 'azure': {
      const credential = deps.credential ?? createAzureCredential({ AZURE_CLIENT_ID: deps.azureClientId }, deps.log ? { log: deps.log } : {});
      const tokens = cachedTokenSource(credential, auth.scope, { ...(deps.now ? { now: deps.now } : {}), ...(deps.log ? { log: deps.log } : {}) });
      return async (signal) => `Bearer ${await tokens.getToken(signal)}`;
    }
  }
}
