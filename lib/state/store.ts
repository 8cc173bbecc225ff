/**
 * Durable key → JSON state between runs. Keys are slash-separated paths such as `databricks/<host>/billing`; each
 * independent target and purpose has its own key, so independent writers never share one. Values must survive
 * JSON (no NaN, no BigInt).
 *
 * Writes are optimistic: a store remembers the version of every key it read, and `put` succeeds only if the key is
 * still at that version (or still absent). A writer that lost a race re-reads and writes again (`put`) or re-runs
 * its merge on the fresher value (`update`), and the store logs it. Nothing is overwritten silently.
 */
export interface StateStore {
  /** The value, or undefined when absent. Unreadable or corrupt state is logged once and reads as absent. */
  get(key: string): Promise<unknown | undefined>;
  /** Writes the value; on a lost race (someone wrote since this store read the key) re-reads, logs, and writes again. */
  put(key: string, value: unknown): Promise<void>;
  /**
   * Read-modify-write: `fn` gets the freshest value and returns what to store plus a result for the caller. On a
   * lost race `fn` runs again on the newer value, so concurrent increments are never lost.
   */
  update<T>(key: string, fn: (current: unknown | undefined) => Updated<T>): Promise<T>;
  /** Removes the key (no error when absent). */
  delete(key: string): Promise<void>;
  /** Keys that start with `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
  /** An exclusive, expiring lease on `key` (kept alive until released), or undefined when another holder has it. */
  lease(key: string, ttlMs: number): Promise<StateLease | undefined>;
}

export interface Updated<T> {
  value: unknown;
  result: T;
}

export interface StateLease {
  release(): Promise<void>;
}

/** A version token: an ETag, a file's inode and mtime, a counter. */
export type Version = string;

/** The raw operations a backend provides; `VersionedStateStore` builds the StateStore semantics on them. */
export interface StateBackend {
  /** Human name for messages: `STATE_STORE=file:/x` or the container URL. */
  readonly description: string;
  read(key: string): Promise<{ text: string; version: Version } | undefined>;
  /** Writes only if the key is at `expected` (null: only if absent). Returns the new version, or 'conflict'. */
  write(key: string, text: string, expected: Version | null): Promise<Version | 'conflict'>;
  /** Deletes. Absent keys are fine. */
  remove(key: string): Promise<void>;
  keys(prefix: string): Promise<string[]>;
  lease(key: string, ttlMs: number): Promise<StateLease | undefined>;
}

/** Anything with the Logger's warn; kept structural so the store needs no logger module. */
export interface StateLog {
  warn(message: string, fields?: Record<string, unknown>): void;
}

const MAX_ATTEMPTS = 20;

/** Jittered pause before retrying a lost race, so racing writers spread out instead of colliding again. */
function backoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 5 * 2 ** attempt)));
}

export class VersionedStateStore implements StateStore {
  private readonly versions = new Map<string, Version | null>();
  /**
   * The text at that version, as this store last read or wrote it: update() merges on it first instead of reading
   * the key again (a get() then an update() of one key costs one read), and reads only after a lost race.
   */
  private readonly texts = new Map<string, string | undefined>();
  private readonly reported = new Set<string>();

  constructor(
    private readonly backend: StateBackend,
    private readonly log: StateLog = { warn() {} },
  ) {}

  async get(key: string): Promise<unknown | undefined> {
    return (await this.readTracked(key)).value;
  }

  async put(key: string, value: unknown): Promise<void> {
    const text = JSON.stringify(value);
    for (let attempt = 1; ; attempt++) {
      if (!this.versions.has(key)) await this.readTracked(key);
      const result = await this.backend.write(key, text, this.versions.get(key) ?? null);
      if (result !== 'conflict') {
        this.versions.set(key, result);
        this.texts.set(key, text);
        return;
      }
      this.log.warn('state written concurrently by another run; re-reading and writing again', { key, attempt });
      this.versions.delete(key);
      if (attempt >= MAX_ATTEMPTS) throw new Error(`${this.backend.description}: key ${key} kept changing under ${MAX_ATTEMPTS} writes`);
      await backoff(attempt);
    }
  }

  async update<T>(key: string, fn: (current: unknown | undefined) => Updated<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const current = attempt === 1 && this.versions.has(key) ? this.known(key) : await this.readTracked(key);
      const { value, result } = fn(current.value);
      const text = JSON.stringify(value);
      const written = await this.backend.write(key, text, current.version);
      if (written !== 'conflict') {
        this.versions.set(key, written);
        this.texts.set(key, text);
        return result;
      }
      this.log.warn('state updated concurrently by another run; merging again on the newer value', { key, attempt });
      if (attempt >= MAX_ATTEMPTS) throw new Error(`${this.backend.description}: key ${key} kept changing under ${MAX_ATTEMPTS} updates`);
      await backoff(attempt);
    }
  }

  async delete(key: string): Promise<void> {
    await this.backend.remove(key);
    this.versions.set(key, null);
    this.texts.set(key, undefined);
  }

  list(prefix: string): Promise<string[]> {
    return this.backend.keys(prefix);
  }

  lease(key: string, ttlMs: number): Promise<StateLease | undefined> {
    return this.backend.lease(key, ttlMs);
  }

  private async readTracked(key: string): Promise<{ value: unknown | undefined; version: Version | null }> {
    const raw = await this.backend.read(key);
    this.versions.set(key, raw?.version ?? null);
    this.texts.set(key, raw?.text);
    return this.known(key);
  }

  /** The key as last read or written (a fresh object each time: `fn` may change what it is given). */
  private known(key: string): { value: unknown | undefined; version: Version | null } {
    const version = this.versions.get(key) ?? null;
    const text = this.texts.get(key);
    if (text === undefined) return { value: undefined, version };
    try {
      return { value: JSON.parse(text) as unknown, version };
    } catch {
      // Corrupt or foreign: reset this key only (the next write replaces it), never fail the cycle.
      if (!this.reported.has(key)) {
        this.reported.add(key);
        this.log.warn('state unreadable; starting this key afresh', { key, store: this.backend.description });
      }
      return { value: undefined, version };
    }
  }
}

/** In-process backend: tests, and the store of a run whose STATE_STORE cannot be reached. */
export class MemoryBackend implements StateBackend {
  readonly description = 'memory';
  private readonly data = new Map<string, { text: string; version: Version }>();
  private readonly held = new Set<string>();
  private counter = 0;

  async read(key: string) {
    return this.data.get(key);
  }
  async write(key: string, text: string, expected: Version | null): Promise<Version | 'conflict'> {
    const now = this.data.get(key);
    if ((now?.version ?? null) !== expected) return 'conflict';
    const version = String(++this.counter);
    this.data.set(key, { text, version });
    return version;
  }
  async remove(key: string): Promise<void> {
    this.data.delete(key);
  }
  async keys(prefix: string): Promise<string[]> {
    return [...this.data.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
  async lease(key: string): Promise<StateLease | undefined> {
    if (this.held.has(key)) return undefined;
    this.held.add(key);
    return { release: async () => void this.held.delete(key) };
  }
}

/** In-process store, for tests and benchmarks. */
export class MemoryStateStore extends VersionedStateStore {
  constructor() {
    super(new MemoryBackend());
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
  async update<T>(key: string, fn: (current: unknown | undefined) => Updated<T>): Promise<T> {
    const { value, result } = fn(await this.get(key));
    await this.put(key, value);
    return result;
  }
  async delete(key: string): Promise<void> {
    this.written.set(key, undefined);
  }
  async list(prefix: string): Promise<string[]> {
    const keys = new Set(await this.base.list(prefix));
    for (const [k, v] of this.written) {
      if (!k.startsWith(prefix)) continue;
      if (v === undefined) keys.delete(k);
      else keys.add(k);
    }
    return [...keys].sort();
  }
  async lease(): Promise<StateLease> {
    return { release: async () => {} };
  }
}
