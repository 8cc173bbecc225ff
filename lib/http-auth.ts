/** How a client authenticates to an HTTP endpoint: the form REMOTE_WRITE_AUTH and PROMETHEUS_QUERY_AUTH both take. */
export type HttpAuth =
  | { kind: 'azure'; scope: string }
  | { kind: 'bearer'; token: string }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'none' };

/** The fixed `Authorization` value of bearer or basic auth (the secret stays inside the caller's closure). */
export function staticAuthorization(auth: Extract<HttpAuth, { kind: 'bearer' | 'basic' }>): string {
  return auth.kind === 'bearer' ? `Bearer ${auth.token}` : `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
}
