import type { AccessTokenSource } from '../../azure/credential';
import { describeConnectionFailure, describeDenied } from '../../failure-messages';
import { HttpBodyTooLargeError, httpRequest, HttpTimeoutError, type HttpRequest, type HttpResponse } from '../../http/request';

/** Workspace endpoints come from this setting; a failure names it. */
const SETTING = 'SYNAPSE_WORKSPACES';
/** What a 401/403 from a workspace asks for. */
export const SYNAPSE_ROLE_FIX = {
  grant: 'the Synapse RBAC role "Synapse Compute Operator" on the workspace (Synapse Studio → Manage → Access control)',
  note: 'a new assignment can take a few minutes to apply',
};

/** A GET against a Synapse workspace: bearer token, per-request timeout, capped body, errors that name the status. */
export class SynapseHttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export interface GetOptions {
  tokens: AccessTokenSource;
  timeoutMs: number;
  signal?: AbortSignal;
  maxBytes?: number;
  /** Default httpRequest (lib/http/request.ts); tests wrap it to watch or script requests. */
  request?: HttpRequest;
}

/** Responses larger than this are cut off and treated as malformed (a body of 10^5 executors is ~16 MB). */
export const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

export async function getText(url: string, options: GetOptions): Promise<string> {
  // The token request is shared and already retried by the library: it is bounded by the cycle, not the request timeout.
  let token: string;
  try {
    token = await options.tokens.getToken(options.signal);
  } catch (err) {
    if (options.signal?.aborted) throw new SynapseHttpError(0, 'cycle budget exhausted while waiting for a Microsoft Entra token');
    throw err; // an AzureTokenError: one line naming the scope and what to do
  }
  const target = new URL(url);
  let response: HttpResponse;
  try {
    response = await (options.request ?? httpRequest)(target, {
      method: 'GET',
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json, text/plain' },
      timeoutMs: options.timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
      maxBytes: options.maxBytes ?? MAX_RESPONSE_BYTES,
    });
  } catch (err) {
    if (err instanceof HttpTimeoutError) throw new SynapseHttpError(0, err.message); // "no (complete) response within N ms"
    if (options.signal?.aborted) throw new SynapseHttpError(0, 'cycle budget exhausted');
    if (err instanceof HttpBodyTooLargeError) throw new SynapseHttpError(0, err.message);
    const worded = describeConnectionFailure(err, { host: target.host, setting: SETTING });
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new SynapseHttpError(0, worded ?? cause?.code ?? cause?.message ?? (err as Error).message);
  }
  const body = response.body.toString('utf8');
  if (response.status < 200 || response.status > 299) {
    const denied = describeDenied(response.status, { host: target.host, setting: SETTING }, SYNAPSE_ROLE_FIX);
    throw new SynapseHttpError(response.status, denied ?? `HTTP ${response.status}${body ? `: ${body.slice(0, 300)}` : ''}`);
  }
  return body;
}
