import type { EnvReader } from './env';
import { ConfigError } from './errors';

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

/**
 * `<PREFIX>_AUTH` and its secrets (`<PREFIX>_BEARER_TOKEN`, `<PREFIX>_USERNAME`, `<PREFIX>_PASSWORD`) from the
 * environment; errors name the variable, never a value.
 */
export function readHttpAuth(reader: EnvReader, prefix: string, defaultKind: 'azure' | 'none', azureScope: string): HttpAuth {
  const setting = `${prefix}_AUTH`;
  const kind = reader.oneOf(setting, ['azure', 'bearer', 'basic', 'none'] as const, defaultKind);
  switch (kind) {
    case 'azure':
      return { kind, scope: azureScope };
    case 'bearer':
      return { kind, token: requiredSecret(reader, `${prefix}_BEARER_TOKEN`, `${setting}=bearer`) };
    case 'basic':
      return {
        kind,
        username: reader.requiredString(`${prefix}_USERNAME`, `${setting}=basic`),
        password: requiredSecret(reader, `${prefix}_PASSWORD`, `${setting}=basic`),
      };
    case 'none':
      return { kind };
  }
}

function requiredSecret(reader: EnvReader, name: string, why: string): string {
  const value = reader.secret(name);
  if (value === undefined) throw new ConfigError(name, `${name} must be set when ${why} (it is unset)`);
  return value;
}
