import { redactUrl } from '../env';
import { USER_AGENT } from '../version';
import { isRecoverable, parseRetryAfter } from './retry';

/** What one POST of one body came to. */
export type SendResult =
  | { status: 'sent'; statusCode: number }
  | { status: 'retryable'; statusCode?: number; retryAfterMs?: number; error: string }
  | { status: 'rejected'; statusCode: number; error: string };

/** Headers the protocol owns; a user header may not replace them (Prometheus' reservedHeaders). */
const RESERVED_HEADERS = new Set([
  'host', 'authorization', 'content-encoding', 'content-length', 'content-type', 'user-agent', 'connection', 'keep-alive',
  'proxy-authenticate', 'proxy-authorization', 'www-authenticate', 'accept-encoding', 'x-prometheus-remote-write-version',
  'x-prometheus-remote-read-version', 'retry-attempt',
]);

/** Prometheus reads at most this much of an error body. */
export const MAX_ERROR_BODY_BYTES = 1024;

export interface ClientOptions {
  url: URL;
  timeoutMs: number;
  headers?: Record<string, string>;
  /** Returns the Authorization header value, if any; called before each attempt (tokens refresh). */
  authorization?: (signal?: AbortSignal) => Promise<string | undefined>;
  fetch?: typeof fetch;
  now?: () => number;
}

export interface RemoteWriteClient {
  /** Where requests go, safe to log (host and path only). */
  readonly endpoint: string;
  send(body: Uint8Array, attempt: number, signal?: AbortSignal): Promise<SendResult>;
}

export function createClient(options: ClientOptions): RemoteWriteClient {
  const extra: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (RESERVED_HEADERS.has(name.toLowerCase()) || name.toLowerCase().startsWith('proxy-') || name.toLowerCase().startsWith('x-amz-')) {
      throw new Error(`remote-write header ${JSON.stringify(name)} is reserved and cannot be overridden`);
    }
    extra[name] = value;
  }
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const endpoint = redactUrl(options.url);
  return {
    endpoint,
    async send(body, attempt, signal) {
      const headers: Record<string, string> = {
        ...extra,
        'Content-Encoding': 'snappy',
        'Content-Type': 'application/x-protobuf',
        'X-Prometheus-Remote-Write-Version': '0.1.0',
        'User-Agent': USER_AGENT,
      };
      if (attempt > 0) headers['Retry-Attempt'] = String(attempt);
      const timeout = AbortSignal.timeout(options.timeoutMs);
      const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
      let response: Response;
      try {
        const auth = await options.authorization?.(combined);
        if (auth !== undefined) headers.Authorization = auth;
        response = await doFetch(options.url, { method: 'POST', headers, body, signal: combined });
      } catch (err) {
        // Network errors, resets and timeouts are recoverable, as Prometheus treats every failed Do.
        if (signal?.aborted) throw signal.reason as Error;
        return { status: 'retryable', error: describeNetworkError(err, timeout.aborted, options.timeoutMs) };
      }
      if (response.status >= 200 && response.status < 300) {
        await response.body?.cancel().catch(() => {});
        return { status: 'sent', statusCode: response.status };
      }
      const text = await readLimited(response);
      const error = `HTTP ${response.status} from ${endpoint}${text ? `: ${text}` : ''}`;
      if (isRecoverable(response.status)) {
        const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), now());
        return { status: 'retryable', statusCode: response.status, error, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
      }
      return { status: 'rejected', statusCode: response.status, error };
    },
  };
}

/** The first 1 KiB of an error body, verbatim; the rest is discarded unread. */
async function readLimited(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_ERROR_BODY_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } catch {
    // a body cut short still tells us something
  } finally {
    await reader.cancel().catch(() => {});
  }
  const all = Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY_BYTES);
  return all.toString('utf8').trim();
}

function describeNetworkError(err: unknown, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) return `no response within ${timeoutMs} ms`;
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (err as { code?: string }).code;
  const message = cause?.message ?? (err instanceof Error ? err.message : String(err));
  return code ? `${code}: ${message}` : message;
}
