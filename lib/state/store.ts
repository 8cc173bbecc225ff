/**
 * Durable key → JSON state between runs. Keys are slash-separated paths such as
 * `databricks/<host>/billing`. Values must survive JSON (no NaN, no BigInt).
 */
export interface StateStore {
  get(key: string): Promise<unknown | undefined>;
  put(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
}

/** In-process store, for tests and --dry-run. */
export class MemoryStateStore implements StateStore {
  private readonly data = new Map<string, string>();
  async get(key: string): Promise<unknown | undefined> {
    const raw = this.data.get(key);
    return raw === undefined ? undefined : (JSON.parse(raw) as unknown);
  }
  async put(key: string, value: unknown): Promise<void> {
    this.data.set(key, JSON.stringify(value));
  }
  async delete(key: string): Promise<void> {
    this.data.delete(key);
  }
}

/** Reads through to `base`, keeps writes in memory: --dry-run must not move the real state forward. */
export class OverlayStateStore implements StateStore {
  private readonly written = new Map<string, string | undefined>();
  constructor(private readonly base: StateStore) {}
  async get(key: string): Promise<unknown | undefined> {
    if (this.written.has(key)) {
      const raw = this.written.get(key);
      return raw === undefined ? undefined : (JSON.parse(raw) as unknown);
    }
    return this.base.get(key);
  }
  async put(key: string, value: unknown): Promise<void> {
    this.written.set(key, JSON.stringify(value));
  }
  async delete(key: string): Promise<void> {
    this.written.set(key, undefined);
  }
}
