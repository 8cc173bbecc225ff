import { startIdentityEmulator, type IdentityEmulator } from '../../lib/emulators/identity';
import { forSuite } from './suite';

/**
 * The managed-identity emulator for a test file. @azure/identity reads IDENTITY_ENDPOINT and IDENTITY_HEADER from the
 * process environment (once per process), so they are set there as soon as it starts.
 */
export function identityForSuite(): IdentityEmulator {
  return forSuite(
    async () => {
      const identity = await startIdentityEmulator();
      Object.assign(process.env, identity.env);
      return identity;
    },
    (identity) => identity.close(),
  );
}
