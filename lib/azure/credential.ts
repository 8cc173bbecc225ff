import { debuglog } from 'node:util';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import type { Logger } from '../log';
import { secretValues } from '../redact';
import { AzureTokenError, explainTokenFailure } from './token-failure';

/**
 * Microsoft Entra credentials and the in-memory token cache every Azure caller shares.
 *
 * In Azure this is the Function App's managed identity (AZURE_CLIENT_ID selects a user-assigned one); on a laptop,
 * whatever DefaultAzureCredential finds (environment service principal, Azure CLI, ...).
 *
 * How the REAL @azure/identity 4.14 / @azure/msal-node 7.2 reach a managed-identity endpoint (read from their
 * sources; the tests in test/azure/ exercise each point against lib/emulators/identity.ts):
 * - IDENTITY_ENDPOINT and IDENTITY_HEADER (the App Service protocol) are read from `process.env` by msal-node, never
 *   from options. ManagedIdentityCredential's constructor reads them only to log which source it will use (and to
 *   refuse user-assigned ids on Cloud Shell / Service Fabric); the endpoint that requests actually go to is chosen at
 *   the FIRST token request in the process and kept in a static (`ManagedIdentityClient.identitySource`) for the life
 *   of the process. So: set both variables before the first getToken anywhere in the process, and never point them
 *   elsewhere later in the same process (a second emulator on another port is silently ignored).
 * - Without those variables the source is IMDS, and DefaultAzureCredential (sendProbeRequest) probes
 *   169.254.169.254: tests must always set IDENTITY_ENDPOINT first so that no traffic leaves loopback.
 * - `http://` endpoints are accepted: ManagedIdentityCredential forces `allowInsecureConnection` on its HTTP pipeline,
 *   and msal only checks that the variable parses as a URL. `http://127.0.0.1:<port>/msi/token` works.
 * - Request: GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=<scope without /.default>[&client_id=<id>],
 *   header `X-IDENTITY-HEADER: <IDENTITY_HEADER>`. Response fields used: access_token, expires_on (Unix seconds as a
 *   string or number, or ISO 8601), token_type, resource. When expires_on is more than 2 h away msal also sets
 *   refreshAfterTimestamp to half the lifetime.
 * - msal keeps its own token cache, also static and process-wide, shared by every ManagedIdentityCredential: it
 *   serves a token until 5 min before expiry. Tests therefore use a distinct scope per test.
 * - Retries: the credential's pipeline retries 5xx (not 501/505), 408 and 429 (3 times, jittered exponential backoff
 *   from ~1 s; a single 500 costs ~0.6 s) and 404/410 (up to 5 times, from 800 ms); a 401/400 fails at once with
 *   CredentialUnavailableError "ManagedIdentityCredential: Authentication failed. Message <error>: ... Description:
 *   <error_description>". Inside DefaultAzureCredential that failure makes
 *   the chain try the developer credentials and end with AggregateAuthenticationError listing every attempt.
 */
/**
 * DefaultAzureCredential with `env.AZURE_CLIENT_ID` (trimmed; empty = unset) as both managedIdentityClientId and
 * workloadIdentityClientId. Note that when `env` has none, the library still falls back to process.env.AZURE_CLIENT_ID.
 */
export function createAzureCredential(env: Readonly<Record<string, string | undefined>>, options: { log?: Logger } = {}): TokenCredential {
  const clientId = env.AZURE_CLIENT_ID?.trim() || undefined;
  return explainingCredential(lazyDefaultCredential(clientId), { ...options, secrets: secretValues(env) });
}

/**
 * DefaultAzureCredential built at the first token request: @azure/identity (with MSAL, ~80 ms to load) stays out of
 * a function's cold start, and out of runs that need no Entra token at all (bearer/basic receivers, PAT, file state).
 */
function lazyDefaultCredential(clientId: string | undefined): TokenCredential {
  let credential: TokenCredential | undefined;
  return {
    getToken(scopes, getTokenOptions) {
      if (credential === undefined) {
        const identity: typeof import('@azure/identity') = require('@azure/identity');
        credential = new identity.DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId, workloadIdentityClientId: clientId } : {});
      }
      return credential.getToken(scopes, getTokenOptions);
    },
  };
}

/**
 * A credential whose failures are AzureTokenErrors: one line naming the scope and what to do (see
 * lib/azure/token-failure.ts), with the whole chain logged at debug only. Azure SDK clients that take a
 * TokenCredential (e.g. @azure/storage-blob) see the same line.
 */
export function explainingCredential(credential: TokenCredential, options: { log?: Logger; secrets?: readonly string[]; holdUnavailableMs?: number; now?: () => number } = {}): TokenCredential {
  const holdMs = options.holdUnavailableMs ?? DEFAULT_HOLD_FAILURE_MS;
  const now = options.now ?? Date.now;
  /** When no credential at all was available, other scopes fail the same way at once (each try takes ~20 s). */
  let unavailable: { raw: unknown; untilMs: number } | undefined;
  return {
    async getToken(scopes: string | string[], getTokenOptions?: GetTokenOptions): Promise<AccessToken | null> {
      const scope = Array.isArray(scopes) ? scopes.join(' ') : scopes;
      if (unavailable && unavailable.untilMs > now()) throw explainTokenFailure(unavailable.raw, scope, options.secrets);
      try {
        const token = await credential.getToken(scopes, getTokenOptions);
        unavailable = undefined;
        return token;
      } catch (err) {
        if (getTokenOptions?.abortSignal?.aborted) throw err;
        const failure = explained(err, scope, options.secrets, options.log);
        if (failure.kind === 'unavailable') unavailable = { raw: err, untilMs: now() + holdMs };
        throw failure;
      }
    },
  };
}

/** The error in words; the first time it is put in words, the chain goes to the debug log. */
function explained(err: unknown, scope: string, secrets: readonly string[] = [], log?: Logger): AzureTokenError {
  if (err instanceof AzureTokenError) return err;
  const failure = explainTokenFailure(err, scope, secrets);
  const fields = { scope, kind: failure.kind, chain: failure.chain };
  if (log) log.debug('azure token request failed', fields);
  else nodeDebug('azure token request failed %s', JSON.stringify(fields));
  return failure;
}

const nodeDebug = debuglog('lakepulse');

/** A bearer token for one scope, served from memory while it has more than `refreshBeforeMs` left. */
export interface AccessTokenSource {
  getToken(signal?: AbortSignal): Promise<string>;
}

export interface CachedTokenSourceOptions {
  /** Refresh this long before `expiresOnTimestamp`. Default 5 min. */
  refreshBeforeMs?: number;
  /**
   * After a failed token request, callers get the same error for this long without a new request (the library has
   * already retried; with no identity endpoint one request takes ~20 s). Default 60 s.
   */
  holdFailureMs?: number;
  /** Where the chain of a failure goes (debug). Default NODE_DEBUG=lakepulse. */
  log?: Logger;
  /** Clock in epoch ms (tests). Default Date.now. */
  now?: () => number;
}

const DEFAULT_REFRESH_BEFORE_MS = 5 * 60_000;
const DEFAULT_HOLD_FAILURE_MS = 60_000;

/**
 * Caches the token in memory until `refreshBeforeMs` before it expires; concurrent callers share one request.
 * A caller's abort signal ends only that caller's wait, never the shared request. When a refresh fails while the
 * cached token is still unexpired, the cached token is returned; otherwise the failure is an AzureTokenError (one line
 * naming the scope and what to do) and is held for `holdFailureMs`. The token is never logged or written anywhere,
 * and errors never contain it.
 */
export function cachedTokenSource(credential: TokenCredential, scope: string, options: CachedTokenSourceOptions = {}): AccessTokenSource {
  const refreshBeforeMs = options.refreshBeforeMs ?? DEFAULT_REFRESH_BEFORE_MS;
  const holdFailureMs = options.holdFailureMs ?? DEFAULT_HOLD_FAILURE_MS;
  const now = options.now ?? Date.now;
  let cached: { token: string; expiresOnMs: number } | undefined;
  let inflight: Promise<string> | undefined;
  let failure: { error: AzureTokenError; untilMs: number } | undefined;

  const fetchToken = async (): Promise<string> => {
    try {
      const token = await credential.getToken(scope);
      if (!token) throw new Error('the credential returned no token');
      cached = { token: token.token, expiresOnMs: token.expiresOnTimestamp };
      failure = undefined;
      return token.token;
    } catch (err) {
      // Still valid, just inside the refresh window: keep using it and try again on the next call.
      if (cached && cached.expiresOnMs > now()) return cached.token;
      const error = explained(err, scope, [], options.log);
      failure = { error, untilMs: now() + holdFailureMs };
      throw error;
    } finally {
      inflight = undefined;
    }
  };

  return {
    getToken(signal) {
      if (cached && cached.expiresOnMs - refreshBeforeMs > now()) return Promise.resolve(cached.token);
      if (failure && failure.untilMs > now() && !(cached && cached.expiresOnMs > now())) return Promise.reject(failure.error);
      inflight ??= fetchToken();
      return signal ? abortable(inflight, signal) : inflight;
    },
  };
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
