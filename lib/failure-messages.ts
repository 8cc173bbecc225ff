/**
 * Failures a first deployment meets, each as one line that says what to fix: a refused 401/403, and connections that
 * fail before any response (DNS, refused, reset, unreachable, TLS). Every caller names the host it was reaching and
 * the setting that holds it; messages never carry a token, a header or a response beyond what the caller passes in.
 *
 * Used by the remote-write client (REMOTE_WRITE_URL), the Synapse client (SYNAPSE_WORKSPACES) and the Databricks
 * warehouse (DATABRICKS_SERVER_HOSTNAME); the blob state store can use it the same way (STATE_STORE, role
 * "Storage Blob Data Contributor").
 */

export interface FailedEndpoint {
  /** `host[:port]` as reached (URL.host); never a path, query or userinfo. */
  host: string;
  /** The setting that holds the host, e.g. `REMOTE_WRITE_URL`. */
  setting: string;
  /** The setting that holds the port, when it is not part of `setting` (e.g. `DATABRICKS_PORT`). */
  portSetting?: string;
  /** The setting that adds a trusted CA, when there is one (e.g. `DATABRICKS_CA_CERT`). Default NODE_EXTRA_CA_CERTS. */
  caSetting?: string;
}

export interface DeniedFix {
  /** What the identity needs, in words: `the role "Monitoring Metrics Publisher" on the data collection rule`. */
  grant: string;
  /** For 401: which settings supply the credential (default: the identity settings). */
  credentialSettings?: string;
  /** Appended after the fix, e.g. how long a new assignment takes to apply. */
  note?: string;
}

/**
 * 401 and 403 in words, or undefined for any other status:
 * `HTTP 403 from <host> (<setting>): the identity is not allowed in; it needs <grant>[; <note>]`.
 */
export function describeDenied(status: number, endpoint: FailedEndpoint, fix: DeniedFix): string | undefined {
  const where = `HTTP ${status} from ${endpoint.host} (${endpoint.setting})`;
  const note = fix.note ? `; ${fix.note}` : '';
  if (status === 401) {
    return `${where}: the credential was not accepted; check ${fix.credentialSettings ?? 'which identity is used (AZURE_CLIENT_ID)'}, and that it has ${fix.grant}${note}`;
  }
  if (status === 403) return `${where}: the identity is not allowed; it needs ${fix.grant}${note}`;
  return undefined;
}

/** Connection-level codes worth naming, grouped by what the user should do about them. */
const DNS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);
const UNREACHABLE = new Set(['ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'UND_ERR_CONNECT_TIMEOUT', 'EADDRNOTAVAIL']);
const RESET = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED']);
const TLS_NAME = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH']);
const TLS_TRUST = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED', 'CERT_SIGNATURE_FAILURE', 'CERT_CHAIN_TOO_LONG',
]);
const TLS_DATES = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
const TLS_PROTOCOL = new Set(['EPROTO', 'ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ECONNRESET_TLS']);

/**
 * A failed connection in words, or undefined when `err` is not one (the caller keeps its own text):
 * - DNS:      `cannot resolve <name> (ENOTFOUND): check the host name in <setting>`
 * - refused:  `connection refused by <host> (ECONNREFUSED): nothing listens there; check the host and port in <setting>`
 * - reset:    `connection to <host> was reset (ECONNRESET) ...`
 * - no route: `cannot reach <host> (ETIMEDOUT): check <setting>, and that the network (firewall, private endpoint) lets this machine reach it`
 * - TLS name: `TLS: the certificate of <host> is not valid for that name (<reason>): check the host name in <setting>`
 * - TLS trust, dates, protocol: likewise, naming the CA setting where one helps.
 */
export function describeConnectionFailure(err: unknown, endpoint: FailedEndpoint): string | undefined {
  const failure = connectionError(err);
  if (!failure) return undefined;
  const { code, reason } = failure;
  const { host, setting } = endpoint;
  const name = hostName(host);
  const both = endpoint.portSetting ? `${setting} and ${endpoint.portSetting}` : setting;
  if (DNS.has(code)) {
    const what = code === 'EAI_AGAIN' ? 'DNS did not answer' : 'no such host';
    return `cannot resolve ${name} (${code}: ${what}): check the host name in ${setting}`;
  }
  if (code === 'ECONNREFUSED') return `connection refused by ${host} (ECONNREFUSED): nothing listens there; check the host and port in ${both}`;
  if (UNREACHABLE.has(code)) return `cannot reach ${host} (${code}): check ${both}, and that the network (firewall, private endpoint, proxy) lets this machine reach it`;
  if (RESET.has(code)) return `connection to ${host} was closed before it answered (${code}): check ${both}, and any proxy or firewall between here and there`;
  const ca = endpoint.caSetting ?? 'NODE_EXTRA_CA_CERTS';
  if (TLS_NAME.has(code)) return `TLS: the certificate of ${host} is not valid for that name (${reason ?? code}): check the host name in ${setting}`;
  if (TLS_TRUST.has(code)) return `TLS: the certificate of ${host} is not trusted (${code}): check the host in ${setting}, or add the CA that issued it with ${ca}`;
  if (TLS_DATES.has(code)) return `TLS: the certificate of ${host} is not valid now (${code}): check the host in ${setting} and this machine's clock`;
  if (TLS_PROTOCOL.has(code)) return `TLS handshake with ${host} failed (${code}): check that ${both} point at a TLS (https) endpoint`;
  if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || code.startsWith('CERT_')) return `TLS: connection to ${host} failed (${code}): check the host in ${setting}`;
  return undefined;
}

/** The code (and, for TLS names, node's reason) of the innermost connection error in a fetch/driver error chain. */
export function connectionError(err: unknown): { code: string; reason?: string } | undefined {
  const seen = new Set<unknown>();
  const walk = (e: unknown): { code: string; reason?: string } | undefined => {
    if (typeof e !== 'object' || e === null || seen.has(e)) return undefined;
    seen.add(e);
    const o = e as { code?: unknown; reason?: unknown; cause?: unknown; errors?: unknown };
    // The deepest cause wins: fetch wraps the socket's error as `cause`; happy eyeballs gathers them in `errors`.
    const inner = walk(o.cause) ?? (Array.isArray(o.errors) ? o.errors.map(walk).find((x) => x !== undefined) : undefined);
    if (inner) return inner;
    if (typeof o.code === 'string' && o.code !== '') {
      const code = o.code;
      // node's TLS error has `reason`; node-fetch (the Databricks driver) keeps only the message, which ends with it.
      const reason = typeof o.reason === 'string' && o.reason !== '' ? o.reason : code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? /altnames: (.*)$/s.exec(e instanceof Error ? e.message : '')?.[1] : undefined;
      const cleaned = reason?.replace(/\s+/g, ' ').replace(/[\s:]+$/, '').trim();
      return cleaned ? { code, reason: cleaned } : { code };
    }
    return undefined;
  };
  return walk(err);
}

function hostName(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon > 0 ? host.slice(0, colon) : host;
}
