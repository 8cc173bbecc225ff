import type { TokenCredential } from '@azure/identity';
import { redactUrl } from '../env';
import { errorMessage } from '../errors';
import { VERSION } from '../version';
import { queryAuthorization, type QueryAuthorization } from './query-auth';
import type { QueryAuth, QueryEndpointConfig } from './query-config';
import { QueryAccessError, QueryError } from './query-error';
import { parseQueryData, type QueryAnswer } from './query-result';

/** Read-back over the Prometheus HTTP API: what `query`, `verify` and `report` use, and nothing else. */
export interface PrometheusQueryClient {
  /** Instant query at `timeSeconds` (default: the server's now). */
  query(promql: string, timeSeconds?: number): Promise<QueryAnswer>;
  /** Range query over [startSeconds, endSeconds] every `stepSeconds`. */
  queryRange(promql: string, startSeconds: number, endSeconds: number, stepSeconds: number): Promise<QueryAnswer>;
  /** The endpoint as it may be printed: no credentials, no query string. */
  readonly endpoint: string;
}

export interface QueryClientOptions {
  /** For PROMETHEUS_QUERY_AUTH=azure (tests); default the managed identity / DefaultAzureCredential. */
  credential?: TokenCredential;
  fetch?: typeof fetch;
}

/** Error bodies are read up to this many bytes into a message (as Prometheus's maxErrMsgLen). */
const MAX_ERROR_BODY_CHARS = 1024;
/** Answers larger than this are refused rather than buffered. */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/**
 * POSTs form-encoded `query`/`time` or `query`/`start`/`end`/`step` to `<base>/api/v1/query[_range]`, which Prometheus,
 * Azure Monitor managed Prometheus and Grafana's data-source proxy all accept (and which keeps long PromQL out of URLs
 * and logs).
 */
export function createQueryClient(config: QueryEndpointConfig, options: QueryClientOptions = {}): PrometheusQueryClient {
  const authorization = queryAuthorization(config.auth, config.env, options.credential);
  const doFetch = options.fetch ?? fetch;
  const endpoint = redactUrl(config.baseUrl);

  async function post(path: string, form: Record<string, string>): Promise<QueryAnswer> {
    const url = `${config.baseUrl.href.replace(/\/+$/, '')}${path}`;
    const signal = AbortSignal.timeout(config.timeoutMs);
    const headers: Record<string, string> = {
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
      'User-Agent': `lakepulse/${VERSION}`,
    };
    const auth = await authorization(signal);
    if (auth !== undefined) headers.Authorization = auth;
    let res: Response;
    try {
      res = await doFetch(url, { method: 'POST', headers, body: new URLSearchParams(form).toString(), signal, redirect: 'manual' });
    } catch (err) {
      const why = signal.aborted ? `no answer within ${config.timeoutMs} ms (PROMETHEUS_QUERY_TIMEOUT_MS)` : networkReason(err);
      throw new QueryError(`cannot reach PROMETHEUS_QUERY_URL ${endpoint}: ${why}`);
    }
    if (res.status >= 300 && res.status < 400) {
      // Not followed: the Authorization header is not for another URL. Grafana sends people to its login page this way.
      await res.body?.cancel();
      const location = res.headers.get('location');
      throw new QueryError(
        `PROMETHEUS_QUERY_URL ${endpoint} answered HTTP ${res.status}, a redirect${location ? ` to ${redactUrl(new URL(location, url))}` : ''}: is it the API base (a Grafana data-source proxy URL, not a dashboard), and are PROMETHEUS_QUERY_AUTH and its credentials right?`,
        { statusCode: res.status },
      );
    }
    const text = await readBody(res, endpoint);
    if (res.status === 401 || res.status === 403) throw accessError(res.status, config.auth, endpoint, apiErrorText(text));
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new QueryError(`PROMETHEUS_QUERY_URL ${endpoint}${path} answered HTTP ${res.status} that is not a Prometheus API answer (not JSON): ${clip(text)}`, { statusCode: res.status });
    }
    if (!isRecord(body) || (body.status !== 'success' && body.status !== 'error')) {
      throw new QueryError(`PROMETHEUS_QUERY_URL ${endpoint}${path} answered HTTP ${res.status} without a Prometheus API "status": ${clip(text)}`, { statusCode: res.status });
    }
    if (body.status === 'error') {
      const errorType = typeof body.errorType === 'string' ? body.errorType : 'error';
      const error = typeof body.error === 'string' ? body.error : clip(text);
      throw new QueryError(`${errorType}: ${error}`, { statusCode: res.status, errorType });
    }
    const data = parseQueryData(body.data);
    if (typeof data === 'string') throw new QueryError(`PROMETHEUS_QUERY_URL ${endpoint}${path}: unexpected answer (${data})`, { statusCode: res.status });
    const warnings = [...stringList(body.warnings), ...stringList(body.infos)];
    return { data, rawData: body.data, warnings };
  }

  return {
    endpoint,
    query(promql, timeSeconds) {
      const form: Record<string, string> = { query: promql };
      if (timeSeconds !== undefined) form.time = formatSeconds(timeSeconds);
      return post('/api/v1/query', form);
    },
    queryRange(promql, startSeconds, endSeconds, stepSeconds) {
      return post('/api/v1/query_range', { query: promql, start: formatSeconds(startSeconds), end: formatSeconds(endSeconds), step: formatSeconds(stepSeconds) });
    },
  };
}

/** What the message says for 401/403, per auth kind: the setting to check and, for Azure, the role. */
function accessError(status: number, auth: QueryAuth, endpoint: string, detail: string): QueryAccessError {
  const head = `PROMETHEUS_QUERY_URL ${endpoint} answered HTTP ${status}${detail ? ` (${detail})` : ''}`;
  let hint: string;
  switch (auth.kind) {
    case 'azure':
      hint =
        'the identity (PROMETHEUS_QUERY_AUTH=azure) needs the role Monitoring Data Reader on the Azure Monitor workspace; a new role assignment can take up to 30 minutes to apply';
      break;
    case 'bearer':
      hint = 'PROMETHEUS_QUERY_BEARER_TOKEN was refused (PROMETHEUS_QUERY_AUTH=bearer): expired, or without query rights (an Azure Monitor workspace needs the role Monitoring Data Reader; a Grafana service account needs Viewer)';
      break;
    case 'basic':
      hint = 'PROMETHEUS_QUERY_USERNAME / PROMETHEUS_QUERY_PASSWORD were refused (PROMETHEUS_QUERY_AUTH=basic)';
      break;
    case 'none':
      hint = 'the endpoint wants credentials: set PROMETHEUS_QUERY_AUTH (azure for an Azure Monitor workspace, whose identity needs the role Monitoring Data Reader; bearer or basic otherwise)';
      break;
  }
  return new QueryAccessError(`${head}: ${hint}`, { statusCode: status });
}

async function readBody(res: Response, endpoint: string): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > MAX_ANSWER_BYTES) {
    await res.body?.cancel();
    throw new QueryError(`PROMETHEUS_QUERY_URL ${endpoint}: answer of ${declared} bytes is over ${MAX_ANSWER_BYTES}; narrow the query or raise --step`);
  }
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel();
      throw new QueryError(`PROMETHEUS_QUERY_URL ${endpoint}: answer over ${MAX_ANSWER_BYTES} bytes; narrow the query or raise --step`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The `error` (Prometheus) or `message` (Grafana, Azure) field of an error body, clipped; else nothing. */
function apiErrorText(text: string): string {
  try {
    const body: unknown = JSON.parse(text);
    if (isRecord(body)) {
      for (const key of ['error', 'message']) {
        const v = body[key];
        if (typeof v === 'string') return clip(v, 300);
        if (isRecord(v) && typeof v.message === 'string') return clip(v.message, 300);
      }
    }
  } catch {
    // not JSON: say nothing rather than echo an HTML login page
  }
  return '';
}

function networkReason(err: unknown): string {
  const cause = isRecord(err) && err.cause instanceof Error ? err.cause : undefined;
  const code = cause && 'code' in cause && typeof cause.code === 'string' ? cause.code : undefined;
  return code ? `${code} ${cause?.message ?? ''}`.trim() : errorMessage(cause ?? err);
}

/** Seconds as Prometheus takes them: an integer, or up to millisecond precision. */
export function formatSeconds(seconds: number): string {
  return Number.isInteger(seconds) ? String(seconds) : seconds.toFixed(3);
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function clip(text: string, max = MAX_ERROR_BODY_CHARS): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
