import type { AccessTokenSource } from '../../azure/credential';
import { describeConnectionFailure, describeDenied } from '../../failure-messages';

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
  fetch?: typeof fetch;
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
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json, text/plain' }, signal });
  } catch (err) {
    if (timeout.aborted) throw new SynapseHttpError(0, `no response within ${options.timeoutMs} ms`);
    if (options.signal?.aborted) throw new SynapseHttpError(0, 'cycle budget exhausted');
    const worded = describeConnectionFailure(err, { host: new URL(url).host, setting: SETTING });
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new SynapseHttpError(0, worded ?? cause?.code ?? cause?.message ?? (err as Error).message);
  }
  const body = await readCapped(response, options.maxBytes ?? MAX_RESPONSE_BYTES).catch((err: unknown) => {
    throw new SynapseHttpError(0, timeout.aborted ? `no complete response within ${options.timeoutMs} ms` : (err as Error).message);
  });
  if (!response.ok) {
    const denied = describeDenied(response.status, { host: new URL(url).host, setting: SETTING }, SYNAPSE_ROLE_FIX);
    throw new SynapseHttpError(response.status, denied ?? `HTTP ${response.status}${body ? `: ${body.slice(0, 300)}` : ''}`);
  }
  return body;
}

async function readCapped(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new Error(`response larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
