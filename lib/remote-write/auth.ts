import type { TokenCredential } from '@azure/identity';
import { cachedTokenSource } from '../azure/credential';
import type { RemoteWriteAuth } from './config';

/** The Authorization header for each request, from the configured auth. Secrets stay inside the closure. */
export function authorizationHeader(auth: RemoteWriteAuth, credential: TokenCredential | undefined): ((signal?: AbortSignal) => Promise<string | undefined>) | undefined {
  switch (auth.kind) {
    case 'none':
      return undefined;
    case 'bearer': {
      const value = `Bearer ${auth.token}`;
      return async () => value;
    }
    case 'basic': {
      const value = `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
      return async () => value;
    }
    case 'azure': {
      if (!credential) throw new Error('REMOTE_WRITE_AUTH=azure needs a Microsoft Entra credential');
      const tokens = cachedTokenSource(credential, auth.scope);
      return async (signal) => `Bearer ${await tokens.getToken(signal)}`;
    }
  }
}
