import { AzureTokenError } from '../azure/token-failure';
import { ConfigError, LakepulseError } from '../errors';
import { describeConnectionFailure, describeDenied, type DeniedFix } from '../failure-messages';
import { httpRequest, HttpTimeoutError, type HttpRequest, type HttpResponse } from '../http/request';
import { USER_AGENT } from '../version';
import { isRecoverable, isRecoverableNetworkError, networkErrorCode, parseRetryAfter } from './retry';

/**
 * One POST of one remote-write body, and what it came to. Never rejects because of a status or a network failure
 * (those are outcomes); rejects only when the caller's signal aborts.
 */
/** What one POST of one body came to. */
export type SendResult =
  | { status: 'sent'; statusCode: number }
  /** `nextRunOnly`: worth trying again, but not within this run (no token could be had: the library already retried). */
  | { status: 'retryable'; statusCode?: number; retryAfterMs?: number; error: string; nextRunOnly?: true }
  /** `statusCode` is absent when the request failed before any response in a way not worth retrying (e.g. TLS). */
  | { status: 'rejected'; statusCode?: number; error: string };

export interface SendOptions {
  /** 0 for the first attempt; n > 0 adds `Retry-Attempt: n` (as Prometheus does). */
  attempt?: number;
  /** Overrides the client's per-request timeout. */
  timeoutMs?: number;
  /** The caller's cancellation (e.g. the invocation deadline): aborting it rejects send(). */
  signal?: AbortSignal;
}

/** The remote-write 1.0 version header and the version this sender speaks. */
export const VERSION_HEADER = 'X-Prometheus-Remote-Write-Version';
export const PROTOCOL_VERSION = '0.1.0';

/** Headers the protocol owns; a user header may not replace them (Prometheus' reservedHeaders). */
const RESERVED_HEADERS = new Set([
  'host', 'authorization', 'content-encoding', 'content-length', 'content-type', 'user-agent', 'connection', 'keep-alive',
  'proxy-authenticate', 'proxy-authorization', 'www-authenticate', 'accept-encoding', VERSION_HEADER.toLowerCase(),
  'x-prometheus-remote-read-version', 'retry-attempt',
]);

/** Prometheus reads at most this much of an error body (maxErrMsgLen). */
export const MAX_ERROR_BODY_BYTES = 1024;
/** A response body is read (and discarded) up to this size so the connection can be reused; beyond it, the connection is closed. */
const MAX_DRAIN_BYTES = 64 * 1024;

/** True when `name` may not be set as a custom header (Prometheus' reservedHeaders, plus what we set ourselves). */
export function isReservedHeader(name: string): boolean {
  const lower = name.trim().toLowerCase();
  return RESERVED_HEADERS.has(lower) || lower.startsWith('proxy-') || lower.startsWith('x-amz-');
}

export interface ClientOptions {
  url: URL;
  timeoutMs: number;
  headers?: Record<string, string>;
  /** Returns the Authorization header value, if any; called before each attempt (tokens refresh). */
  authorization?: (signal?: AbortSignal) => Promise<string | undefined>;
  /** Default httpRequest (lib/http/request.ts); tests wrap it. */
  request?: HttpRequest;
  now?: () => number;
  /** The configured REMOTE_WRITE_AUTH, so a 401/403 names the settings to fix. Default none. */
  authKind?: 'azure' | 'bearer' | 'basic' | 'none';
}

/** The receiver is always REMOTE_WRITE_URL. */
const SETTING = 'REMOTE_WRITE_URL';

/** What a 401/403 asks for, by REMOTE_WRITE_AUTH. */
function deniedFix(kind: ClientOptions['authKind']): DeniedFix {
  switch (kind) {
    case 'azure':
      return {
        grant: 'the role "Monitoring Metrics Publisher" on the data collection rule (DCR) in REMOTE_WRITE_URL, not on the workspace',
        note: 'a new role assignment takes about 30 minutes to apply, with 403s until then',
      };
    case 'bearer':
      return { grant: 'write access on the receiver', credentialSettings: 'REMOTE_WRITE_BEARER_TOKEN (REMOTE_WRITE_AUTH=bearer)' };
    case 'basic':
    default:
      return { grant: 'write access on the receiver', credentialSettings: 'REMOTE_WRITE_USERNAME and REMOTE_WRITE_PASSWORD (REMOTE_WRITE_AUTH=basic)' };
  }
}

export interface RemoteWriteClient {
  /** Where requests go, safe to log: the host only (never userinfo, path tokens or query). */
  readonly endpoint: string;
  send(body: Uint8Array, options?: SendOptions): Promise<SendResult>;
}

export function createClient(options: ClientOptions): RemoteWriteClient {
  const extra: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (isReservedHeader(name)) {
      throw new ConfigError('headers', `remote-write header ${JSON.stringify(name)} is reserved by the protocol and cannot be set as a custom header`);
    }
    extra[name] = value;
  }
  // Userinfo is never sent as part of the URL: it becomes Basic auth (as Go's http client does) unless auth is configured.
  const url = new URL(options.url);
  let authorization = options.authorization;
  if (url.username || url.password) {
    const basic = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`, 'utf8').toString('base64')}`;
    authorization ??= async () => basic;
    url.username = '';
    url.password = '';
  }
  const request = options.request ?? httpRequest;
  const now = options.now ?? Date.now;
  const endpoint = url.host;
  return {
    endpoint,
    async send(body, { attempt = 0, timeoutMs = options.timeoutMs, signal } = {}) {
      const headers: Record<string, string> = {
        ...extra,
        'Content-Encoding': 'snappy',
        'Content-Type': 'application/x-protobuf',
        [VERSION_HEADER]: PROTOCOL_VERSION,
        'User-Agent': USER_AGENT,
      };
      if (attempt > 0) headers['Retry-Attempt'] = String(attempt);
      // One deadline for the token and the request: the token wait counts against REMOTE_WRITE_TIMEOUT_MS.
      const startedMs = performance.now();
      if (authorization) {
        const bounded = deadlineSignal(timeoutMs, signal);
        try {
          const auth = await authorization(bounded.signal);
          if (auth !== undefined) headers.Authorization = auth;
        } catch (err) {
          if (signal?.aborted) throw signal.reason as Error;
          // No token: the credential library has already retried, so the samples are kept for the next run instead.
          if (err instanceof AzureTokenError) return { status: 'retryable', error: `remote write to ${endpoint}: ${err.message}`, nextRunOnly: true };
          if (bounded.timedOut()) return { status: 'retryable', error: `remote write to ${endpoint}: no token within ${timeoutMs} ms (REMOTE_WRITE_TIMEOUT_MS)` };
          return { status: 'retryable', error: `no authorization token for ${endpoint}: ${errorText(err)}` };
        } finally {
          bounded.dispose();
        }
      }
      let response: HttpResponse;
      try {
        const leftMs = Math.max(1, Math.ceil(timeoutMs - (performance.now() - startedMs)));
        // Success bodies are ignored, error bodies kept up to 1 KiB; either is drained (to 64 KiB) so the connection is reused.
        response = await request(url, { method: 'POST', headers, body, timeoutMs: leftMs, ...(signal ? { signal } : {}), maxBytes: MAX_ERROR_BODY_BYTES, read: 'head', drainBytes: MAX_DRAIN_BYTES });
      } catch (err) {
        if (signal?.aborted) throw signal.reason as Error;
        const timedOut = err instanceof HttpTimeoutError;
        const error = describeNetworkError(err, timedOut, timeoutMs, endpoint);
        // Resets, refusals and our own timeout are worth another try; e.g. a certificate error is not.
        if (timedOut || isRecoverableNetworkError(err)) return { status: 'retryable', error };
        return { status: 'rejected', error };
      }
      if (response.status >= 200 && response.status < 300) return { status: 'sent', statusCode: response.status };
      const text = response.body.toString('utf8');
      const denied =
        (options.authKind ?? 'none') === 'none' && (response.status === 401 || response.status === 403)
          ? `HTTP ${response.status} from ${endpoint} (${SETTING}): the receiver wants credentials and none were sent; set REMOTE_WRITE_AUTH (azure, bearer or basic) and its settings`
          : describeDenied(response.status, { host: endpoint, setting: SETTING }, deniedFix(options.authKind));
      // The body verbatim (≤ 1 KiB, as Prometheus logs it) after the cause in words.
      const error = denied ? `${denied}. Receiver said: ${text || '(empty body)'}` : `HTTP ${response.status} from ${endpoint}${text ? `: ${text}` : ''}`;
      if (isRecoverable(response.status)) {
        const retryAfterMs = parseRetryAfter(firstValue(response.headers['retry-after']), now());
        return { status: 'retryable', statusCode: response.status, error, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
      }
      return { status: 'rejected', statusCode: response.status, error };
    },
  };
}

/** A header's value (node joins repeated ones, or gives set-cookie as a list). */
function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * A signal that aborts after `ms` or with `outer`, from one timer and one listener (AbortSignal.timeout/any cost
 * more per request); dispose() clears both.
 */
function deadlineSignal(ms: number, outer: AbortSignal | undefined): { signal: AbortSignal; timedOut(): boolean; dispose(): void } {
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = () => controller.abort(outer?.reason);
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`no token within ${ms} ms`, 'TimeoutError'));
  }, ms);
  if (outer?.aborted) onAbort();
  else outer?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    dispose: () => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
    },
  };
}

function describeNetworkError(err: unknown, timedOut: boolean, timeoutMs: number, endpoint: string): string {
  if (timedOut) return `no response from ${endpoint} within ${timeoutMs} ms (REMOTE_WRITE_TIMEOUT_MS)`;
  const worded = describeConnectionFailure(err, { host: endpoint, setting: SETTING });
  if (worded) return worded;
  const code = networkErrorCode(err);
  return `${code ? `${code}: ` : ''}${errorText(err)} (${endpoint})`;
}

/** The innermost message of an error chain (the request wraps node's error as `cause`); our own errors are already worded. */
function errorText(err: unknown): string {
  let message = err instanceof Error ? err.message : String(err);
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e.message) message = e.message;
    if (e instanceof LakepulseError) break;
  }
  return message;
}
