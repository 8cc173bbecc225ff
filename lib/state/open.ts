import { ConfigError } from '../errors';
import { FileStateStore } from './file-store';
import type { StateStore } from './store';

/** STATE_STORE → a store. `file:<dir>` today; blob containers arrive with the serverless runtime. */
export function openStateStore(spec: string): StateStore {
  if (spec.startsWith('file:')) {
    const dir = spec.slice('file:'.length);
    if (dir === '') throw new ConfigError('STATE_STORE', 'STATE_STORE=file: needs a directory, e.g. file:.lakepulse/state');
    return new FileStateStore(dir);
  }
  throw new ConfigError(
    'STATE_STORE',
    'STATE_STORE as a blob container URL is not supported by this version yet; use file:<dir>',
  );
}
