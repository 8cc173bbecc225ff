import { LakepulseError } from '../errors';
import { redact } from '../redact';

/**
 * A Microsoft Entra token could not be had, in words: one line that names the scope and what to do, instead of
 * @azure/identity's chain dump (EnvironmentCredential, ManagedIdentityCredential, Visual Studio Code, Azure CLI,
 * PowerShell, azd, ...). The chain itself, redacted, is in `chain` for the debug log.
 */
export class AzureTokenError extends LakepulseError {
  override readonly code = 'LAKEPULSE_AZURE_TOKEN';
  override name = 'AzureTokenError';
  constructor(
    readonly scope: string,
    /** `unavailable`: no credential could be used here; `refused`: Entra or the identity endpoint said no; `failed`: anything else. */
    readonly kind: 'unavailable' | 'refused' | 'failed',
    message: string,
    /** Each credential's attempt, `Name: message`, redacted: for the debug log only. */
    readonly chain: readonly string[],
  ) {
    super(message);
  }
}

/** What to do, where the process runs. */
export const IDENTITY_FIX =
  'in Azure, assign a user-assigned managed identity to the app and set AZURE_CLIENT_ID to its client id; ' +
  'on a workstation, run `az login`, or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET for a service principal; ' +
  'in Kubernetes, use workload identity (a service account federated with the identity, AZURE_CLIENT_ID and AZURE_TENANT_ID)';

interface Attempt {
  name: string;
  message: string;
}

/**
 * @azure/identity's failure (AggregateAuthenticationError, CredentialUnavailableError, AuthenticationError, or anything
 * else a credential threw) as an AzureTokenError. An AzureTokenError is returned as it is. `secrets` are setting
 * values that must not appear (IDENTITY_HEADER, AZURE_CLIENT_SECRET, ...); token-shaped text is removed too.
 */
export function explainTokenFailure(err: unknown, scope: string, secrets: readonly string[] = []): AzureTokenError {
  if (err instanceof AzureTokenError) return err;
  const clean = (text: string) => redact(text, secrets);
  const attempts = flatten(err).map((a) => ({ name: a.name, message: clean(a.message) }));
  const chain = attempts.map((a) => `${a.name}: ${a.message.replace(/\s+/g, ' ').trim()}`);
  const name = errorName(err);
  const head = `no Microsoft Entra token for ${scope}`;

  if (name === 'AggregateAuthenticationError' || name === 'CredentialUnavailableError') {
    const reason = managedIdentityReason(attempts);
    return new AzureTokenError(scope, 'unavailable', `${head}: no credential was available${reason ? ` (${reason})` : ''}. To fix: ${IDENTITY_FIX}`, chain);
  }
  if (name === 'AuthenticationError') {
    const description = entraDescription(err, clean);
    return new AzureTokenError(
      scope,
      'refused',
      `${head}: Microsoft Entra refused the credential${description ? ` (${description})` : ''}. Check AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET, or the managed identity that AZURE_CLIENT_ID names`,
      chain,
    );
  }
  return new AzureTokenError(scope, 'failed', `${head}: ${firstSentence(clean(errorText(err)))}`, chain);
}

/** The managed identity's part of the chain, in a few words (or undefined when it was not tried). */
function managedIdentityReason(attempts: readonly Attempt[]): string | undefined {
  const mi = attempts.find((a) => a.message.startsWith('ManagedIdentityCredential'));
  if (!mi) return undefined;
  const text = mi.message.replace(/\s+/g, ' ');
  if (/network unreachable|network_error|ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|timed out/i.test(text)) {
    return 'managed identity: no identity endpoint answered';
  }
  const description = /Description: (.*?)(?: - Correlation ID| - Trace ID|$)/.exec(text)?.[1]?.trim();
  if (/Authentication failed/i.test(text)) {
    return `managed identity: the identity endpoint refused${description ? `: ${cap(description, 200)}` : ''}`;
  }
  if (/not available|unavailable|No managed identity endpoint/i.test(text)) return 'managed identity: not available on this machine';
  return `managed identity: ${cap(firstSentence(text.replace(/^ManagedIdentityCredential:?\s*/, '')), 200)}`;
}

/** `AADSTS7000215: Invalid client secret provided.` from an AuthenticationError's response, first sentence only. */
function entraDescription(err: unknown, clean: (text: string) => string): string | undefined {
  const response = (err as { errorResponse?: { error?: unknown; errorDescription?: unknown } }).errorResponse;
  const raw = typeof response?.errorDescription === 'string' && response.errorDescription !== '' ? response.errorDescription : typeof response?.error === 'string' ? response.error : undefined;
  if (raw === undefined) return undefined;
  return cap(firstSentence(clean(raw)), 200);
}

/** The attempts of a chain (AggregateAuthenticationError.errors), or the error itself. */
function flatten(err: unknown): Attempt[] {
  const errors = (err as { errors?: unknown }).errors;
  if (Array.isArray(errors) && errors.length) return errors.map((e) => ({ name: errorName(e), message: errorText(e) }));
  return [{ name: errorName(err), message: errorText(err) }];
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Up to the first line break, ` Trace ID`, or the end of the first sentence. */
function firstSentence(text: string): string {
  const line = text.split(/\r?\n/)[0]!.split(/ Trace ID:/)[0]!.trim();
  const end = line.search(/\.\s/);
  return end > 0 ? line.slice(0, end + 1) : line;
}

function cap(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
