import { Agent as HttpAgent, request as httpSend, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsSend } from 'node:https';
import { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from 'node:zlib';

/**
 * One HTTP exchange over node:http / node:https, for the hot paths (Synapse GETs, remote-write POSTs): measured
 * against the global fetch on 205 GETs of ~110 KB (16 in flight), about half the CPU time for the same wall time.
 *
 * - One keep-alive Agent per protocol for the whole process. Idle sockets are unref'd by node's Agent, so a CLI run
 *   exits as soon as its work is done; they close after IDLE_SOCKET_MS (or the server's `Keep-Alive: timeout=`
 *   hint, if shorter), as undici's 4 s default.
 * - One timer per request, from the call to the last body byte; the caller's signal aborts it (one listener per
 *   signal however many requests share it, removed when none is left).
 * - TLS is verified with node's defaults (NODE_EXTRA_CA_CERTS is honoured). Userinfo in `url` is never sent: the
 *   caller turns it into an Authorization header.
 * - GETs send `Accept-Encoding: gzip, deflate` (as fetch does) unless the caller sets one; a gzip, deflate or br body
 *   is decoded, and `maxBytes` applies to the decoded size.
 * - A GET that fails on a reused keep-alive connection before any response (the server closed it as we wrote) is
 *   sent once more on a new connection, as Go's transport does; a POST is not (the caller decides about retries).
 *
 * Rejections: an HttpTimeoutError (own timer), the caller's `signal.reason`, an HttpBodyTooLargeError (`read:
 * 'whole'`), an HttpBodyDecodeError, or an HttpConnectionError whose `cause` is node's error with its `code` (and,
 * for TLS names, `reason`), the shape fetch has (`TypeError: fetch failed` with the socket's error as `cause`), so
 * lib/failure-messages.ts and lib/remote-write/retry.ts classify either.
 */
export interface HttpRequestOptions {
  method: 'GET' | 'POST';
  /** Request headers; node sends them as given. Host and, for a body, Content-Length are set here. */
  headers: Record<string, string>;
  body?: Uint8Array;
  /** From the call to the end of the body. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Decoded body bytes to keep. */
  maxBytes: number;
  /**
   * 'whole' (default): the whole body, or the request rejects (larger than maxBytes: HttpBodyTooLargeError, and the
   * connection is closed without reading the rest; cut short, timed out, aborted).
   * 'head': the first maxBytes are kept and the rest is read and discarded, up to `drainBytes` of the body as sent,
   * so the connection is reused; beyond that the connection is closed. A body cut short (reset, timeout, abort after
   * the status arrived) just ends there: the status is what counts.
   */
  read?: 'whole' | 'head';
  /** For `read: 'head'`: how much of the body (as sent) is drained before the connection is closed. Default 64 KiB. */
  drainBytes?: number;
}

export interface HttpResponse {
  status: number;
  /** Lower-case names, as node gives them. */
  headers: IncomingHttpHeaders;
  /** The decoded body (for `read: 'head'`, at most maxBytes of it). */
  body: Buffer;
}

/** The shape tests and benches wrap to watch or script requests. */
export type HttpRequest = (url: URL, options: HttpRequestOptions) => Promise<HttpResponse>;

/** Idle keep-alive sockets are closed after this long (undici's default keep-alive timeout). */
const IDLE_SOCKET_MS = 4_000;
const DEFAULT_DRAIN_BYTES = 64 * 1024;

/**
 * Per origin: up to 256 connections at once (SYNAPSE_CONCURRENCY and the remote-write lanes stay far below), up to
 * 64 kept idle; the most recently used idle socket first, so a quiet period lets the others time out.
 */
const AGENT_OPTIONS = { keepAlive: true, maxSockets: 256, maxFreeSockets: 64, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' } as const;
const httpAgent = new HttpAgent(AGENT_OPTIONS);
const httpsAgent = new HttpsAgent(AGENT_OPTIONS);

/** The request's own timer ran out: before the response head arrived (`phase: 'response'`) or while reading the body. */
export class HttpTimeoutError extends Error {
  override readonly name = 'TimeoutError';
  constructor(readonly timeoutMs: number, readonly phase: 'response' | 'body') {
    super(phase === 'response' ? `no response within ${timeoutMs} ms` : `no complete response within ${timeoutMs} ms`);
  }
}

/** The decoded body passed `maxBytes` (with `read: 'whole'`). */
export class HttpBodyTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`response larger than ${maxBytes} bytes`);
  }
}

/** The body said it was compressed and could not be decoded. */
export class HttpBodyDecodeError extends Error {
  constructor(encoding: string, cause: unknown) {
    super(`response body could not be decoded (Content-Encoding: ${encoding}): ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** The connection failed (before or during the response); `cause` is node's error, with its `code`. */
export class HttpConnectionError extends Error {
  constructor(readonly phase: 'response' | 'body', cause: unknown) {
    super(`request failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** Codes a stale keep-alive socket fails with when the server closed it as the request went out. */
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE']);

export const httpRequest: HttpRequest = (url, options) =>
  new Promise<HttpResponse>((resolve, reject) => {
    const { signal } = options;
    if (signal?.aborted) return reject(signal.reason);
    const https = url.protocol === 'https:';
    if (!https && url.protocol !== 'http:') return reject(new TypeError(`unsupported protocol ${url.protocol} (http: or https: only)`));
    const headers: Record<string, string> = { ...options.headers };
    if (options.method === 'GET' && !hasHeader(headers, 'accept-encoding')) headers['Accept-Encoding'] = 'gzip, deflate';
    if (options.body !== undefined) headers['Content-Length'] = String(options.body.length);
    const target = {
      protocol: url.protocol,
      hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      port: url.port,
      path: `${url.pathname}${url.search}`,
      method: options.method,
      headers,
      agent: https ? httpsAgent : httpAgent,
    };
    let req: ClientRequest | undefined;
    let phase: 'response' | 'body' = 'response';
    let settled = false;
    const settle = (err: unknown, response?: HttpResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stopWaiting?.();
      if (response) resolve(response);
      else {
        req?.destroy(); // never back into the pool half-read
        reject(err);
      }
    };
    /** What the timer and the caller's abort do; while a body is read with `read: 'head'`, they cut it short. */
    let interrupt = (err: unknown): void => settle(err);
    const timer = setTimeout(() => interrupt(new HttpTimeoutError(options.timeoutMs, phase)), options.timeoutMs);
    const stopWaiting = signal ? whenAborted(signal, () => interrupt(signal.reason)) : undefined;

    const send = (mayResend: boolean): void => {
      let sent: ClientRequest;
      try {
        sent = (https ? httpsSend : httpSend)(target);
      } catch (err) {
        return settle(err); // e.g. a header value node refuses (ERR_INVALID_CHAR): nothing was sent
      }
      req = sent;
      sent.on('error', (err: NodeJS.ErrnoException) => {
        if (settled || req !== sent) return;
        if (phase === 'response' && mayResend && sent.reusedSocket && STALE_SOCKET_CODES.has(err.code ?? '')) return send(false);
        settle(new HttpConnectionError(phase, err));
      });
      sent.on('response', (res: IncomingMessage) => {
        if (settled || req !== sent) return void res.resume();
        phase = 'body';
        const cut = readBody(res, options, settle);
        if (cut) interrupt = cut;
      });
      sent.end(options.body);
    };
    send(options.method === 'GET');
  });

/** Per caller signal, the requests waiting on it, behind one 'abort' listener. */
const waiting = new WeakMap<AbortSignal, { pending: Set<() => void>; fire: () => void }>();

/**
 * Calls `onAbort` when `signal` aborts; the returned function stops that. However many requests share a signal (a
 * cycle's budget is shared by all of its requests), it carries one listener, removed when none is left waiting:
 * EventTarget warns beyond 10 listeners, and adding one per request costs.
 */
function whenAborted(signal: AbortSignal, onAbort: () => void): () => void {
  let entry = waiting.get(signal);
  if (!entry) {
    const pending = new Set<() => void>();
    const fire = (): void => {
      waiting.delete(signal);
      for (const f of [...pending]) f();
    };
    entry = { pending, fire };
    waiting.set(signal, entry);
    signal.addEventListener('abort', fire, { once: true });
  }
  const mine = entry;
  mine.pending.add(onAbort);
  return () => {
    mine.pending.delete(onAbort);
    if (mine.pending.size === 0 && waiting.get(signal) === mine) {
      waiting.delete(signal);
      signal.removeEventListener('abort', mine.fire);
    }
  };
}

function hasHeader(headers: Record<string, string>, lowerName: string): boolean {
  for (const name of Object.keys(headers)) if (name.toLowerCase() === lowerName) return true;
  return false;
}

/**
 * Reads `res` (decoding it when compressed) into the response, settling through `settle` exactly once. For `read:
 * 'head'`, returns what cuts the body short (resolving with what was kept), for the timer and the caller's abort.
 */
function readBody(res: IncomingMessage, options: HttpRequestOptions, settle: (err: unknown, response?: HttpResponse) => void): ((err: unknown) => void) | undefined {
  const head = options.read === 'head';
  const maxBytes = options.maxBytes;
  const drainBytes = options.drainBytes ?? DEFAULT_DRAIN_BYTES;
  const status = res.statusCode ?? 0;
  const chunks: Buffer[] = [];
  let kept = 0;
  let done = false;
  const answer = (): HttpResponse => ({ status, headers: res.headers, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, kept) });
  const finish = (): void => {
    if (done) return;
    done = true;
    settle(undefined, answer());
  };
  /** Ends the body where it is: the connection is closed, not reused. */
  const cut = (): void => {
    if (done) return;
    done = true;
    res.destroy();
    settle(undefined, answer());
  };
  const fail = (err: unknown): void => {
    if (head) return cut(); // a body cut short after the status arrived: what was read is the answer
    if (done) return;
    done = true;
    settle(err);
  };
  const take = (chunk: Buffer): void => {
    if (done) return;
    if (kept + chunk.length <= maxBytes) {
      chunks.push(chunk);
      kept += chunk.length;
    } else if (!head) fail(new HttpBodyTooLargeError(maxBytes));
    else if (kept < maxBytes) {
      chunks.push(chunk.subarray(0, maxBytes - kept));
      kept = maxBytes;
    }
  };
  res.on('error', (err) => fail(new HttpConnectionError('body', err)));
  res.on('close', () => {
    if (!res.complete) fail(new HttpConnectionError('body', Object.assign(new Error('the connection closed before the body ended'), { code: 'ECONNRESET' })));
  });
  const encoding = (res.headers['content-encoding'] ?? '').trim().toLowerCase();
  const decoder = decoderFor(encoding);
  let raw = 0;
  if (decoder === undefined) {
    res.on('data', (chunk: Buffer) => {
      take(chunk);
      raw += chunk.length;
      if (head && raw > drainBytes) cut(); // enough drained: close the connection rather than read on
    });
    res.on('end', finish);
  } else {
    if (head) {
      res.on('data', (chunk: Buffer) => {
        raw += chunk.length;
        if (raw > drainBytes) cut();
      });
    }
    decoder.on('data', take);
    decoder.on('end', finish);
    decoder.on('error', (err) => fail(new HttpBodyDecodeError(encoding, err)));
    res.pipe(decoder);
  }
  return head ? cut : undefined;
}

function decoderFor(encoding: string): Transform | undefined {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return deflateDecoder();
    case 'br':
      return createBrotliDecompress();
    default:
      return undefined;
  }
}

/**
 * `deflate` is meant to be zlib-wrapped (RFC 9110), but some servers send it raw: the first byte tells (a zlib header
 * has compression method 8 in its low nibble), as browsers and undici decide.
 */
function deflateDecoder(): Transform {
  let inner: Transform | undefined;
  return new Transform({
    transform(chunk: Buffer, _enc, callback) {
      if (!inner) {
        inner = (chunk[0]! & 0x0f) === 0x08 ? createInflate() : createInflateRaw();
        inner.on('data', (out: Buffer) => this.push(out));
        inner.on('error', (err) => this.destroy(err));
      }
      inner.write(chunk, callback);
    },
    flush(callback) {
      if (!inner) return callback();
      inner.once('end', () => callback());
      inner.end();
    },
  });
}
