/**
 * Takes secrets out of text that is about to be logged or returned: the given values (setting values known to be
 * secret), anything shaped like a JWT, and the credential of an `Authorization`-style header. One place for logs,
 * errors and --json output.
 */
export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out
    .replace(/("?(?:x-identity-header|secret|authorization|client_secret|password)"?\s*[:=]\s*)("[^"]*"|(?:Bearer|Basic)\s+\S+|[^\s,;&]+)/gi, '$1[redacted]')
    .replace(/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, '[token]')
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [redacted]');
}

/** The setting values that are secrets wherever they appear (managed-identity header, client secrets, passwords). */
export const SECRET_SETTINGS = [
  'IDENTITY_HEADER', 'MSI_SECRET', 'AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PASSWORD', 'AZURE_PASSWORD',
  'REMOTE_WRITE_BEARER_TOKEN', 'REMOTE_WRITE_PASSWORD', 'DATABRICKS_TOKEN', 'DATABRICKS_CLIENT_SECRET', 'PROMETHEUS_QUERY_BEARER_TOKEN',
  'PROMETHEUS_QUERY_PASSWORD',
] as const;

export function secretValues(env: Readonly<Record<string, string | undefined>>): string[] {
  const values: string[] = [];
  for (const name of SECRET_SETTINGS) {
    const v = env[name]?.trim();
    if (v) values.push(v);
  }
  return values;
}
