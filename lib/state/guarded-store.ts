import { errorMessage } from '../errors';
import { describeConnectionFailure, describeDenied } from '../failure-messages';
import { MemoryStateStore, type StateLease, type StateStore, type Updated } from './store';

const GRANT = 'the role "Storage Blob Data Contributor" on the storage account or the container';

/**
 * A store that cannot fail a cycle: the first error (403, DNS, timeout, a full disk) is recorded as one message that
 * names STATE_STORE and what to fix, and the rest of the cycle runs on memory, so collection and push still happen.
 * Lost races are handled below this layer; only a store that cannot be used at all ends up here.
 */
export class GuardedStateStore implements StateStore {
  private fallback: MemoryStateStore | undefined;
  private message: string | undefined;

  constructor(
    private readonly inner: StateStore,
    private readonly description: string,
    private readonly onFailure: (message: string) => void,
    /** `host[:port]` of a blob store, for the connection and access messages. */
    private readonly host?: string,
  ) {}

  /** One line describing why state could not be used this cycle, or undefined. */
  get failure(): string | undefined {
    return this.message;
  }

  get(key: string) {
    return this.guard((s) => s.get(key));
  }
  put(key: string, value: unknown) {
    return this.guard((s) => s.put(key, value));
  }
  update<T>(key: string, fn: (current: unknown | undefined) => Updated<T>) {
    return this.guard((s) => s.update(key, fn));
  }
  delete(key: string) {
    return this.guard((s) => s.delete(key));
  }
  list(prefix: string) {
    return this.guard((s) => s.list(prefix));
  }
  lease(key: string, ttlMs: number): Promise<StateLease | undefined> {
    return this.guard((s) => s.lease(key, ttlMs));
  }

  private async guard<T>(op: (store: StateStore) => Promise<T>): Promise<T> {
    if (this.fallback) return op(this.fallback);
    try {
      return await op(this.inner);
    } catch (err) {
      this.message = describeStateFailure(err, this.description, this.host);
      this.onFailure(this.message);
      this.fallback = new MemoryStateStore();
      return op(this.fallback);
    }
  }
}

/** One line for a store that could not be used: the setting, the cause, and what to do. No secret is in it. */
export function describeStateFailure(err: unknown, description: string, host?: string): string {
  const e = err as { statusCode?: unknown; code?: unknown; name?: unknown } | null;
  const status = typeof e?.statusCode === 'number' ? e.statusCode : undefined;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const endpoint = { host: host ?? 'the state store', setting: 'STATE_STORE' };
  const why =
    (status !== undefined ? describeDenied(status, endpoint, { grant: GRANT }) : undefined) ??
    (host !== undefined ? describeConnectionFailure(err, endpoint) : undefined) ??
    (e?.name === 'AbortError' || code === 'ETIMEDOUT' || /timeout|timed out/i.test(errorMessage(err))
      ? 'the storage account did not answer in time'
      : code === 'EACCES' || code === 'EROFS' || code === 'ENOSPC'
        ? `${code}: the directory cannot be written`
        : errorMessage(err).split('\n')[0]!.slice(0, 200));
  return `${description} cannot be used, so this run keeps no state (stale markers, caches, counters and undelivered samples are not saved): ${why}`;
}
