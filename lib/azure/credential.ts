import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';

/**
 * Microsoft Entra credentials. In Azure this is the managed identity (AZURE_CLIENT_ID selects a user-assigned one);
 * on a laptop, whatever DefaultAzureCredential finds (environment service principal, Azure CLI, ...).
 * @azure/identity reads IDENTITY_ENDPOINT / IDENTITY_HEADER (App Service protocol) and the AZURE_* variables from the
 * process environment itself; `env` only supplies the client id explicitly.
 */
export function createAzureCredential(env: Readonly<Record<string, string | undefined>>): TokenCredential {
  const clientId = env.AZURE_CLIENT_ID?.trim() || undefined;
  return new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId, workloadIdentityClientId: clientId } : {});
}

/** A bearer token for one scope, from memory while it has more than `refreshBeforeMs` left. */
export interface AccessTokenSource {
  getToken(signal?: AbortSignal): Promise<string>;
}

/**
 * Caches the token in memory until 5 minutes before it expires; concurrent callers share one request.
 * The token is never logged or written anywhere.
 */
export function cachedTokenSource(
  credential: TokenCredential,
  scope: string,
  options: { refreshBeforeMs?: number; now?: () => number } = {},
): AccessTokenSource {
  const refreshBeforeMs = options.refreshBeforeMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  let cached: { token: string; expiresOnMs: number } | undefined;
  let inflight: Promise<string> | undefined;
  return {
    async getToken(signal) {
      if (cached && cached.expiresOnMs - refreshBeforeMs > now()) return cached.token;
      inflight ??= (async () => {
        try {
          const token = await credential.getToken(scope, { abortSignal: signal });
          if (!token) throw new Error(`no Microsoft Entra token for ${scope}`);
          cached = { token: token.token, expiresOnMs: token.expiresOnTimestamp };
          return token.token;
        } finally {
          inflight = undefined;
        }
      })();
      return inflight;
    },
  };
}
