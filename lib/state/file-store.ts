import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { StateBackend, StateLease, Version } from './store';

const LOCK_STALE_MS = 30_000;

/**
 * `file:<dir>`: one JSON file per key, written atomically (temp file + rename). The version of a key is its file's
 * inode and mtime; a conditional write holds a short lock file (`<key>.json.lock`, created exclusively) while it
 * compares and renames, so two processes on one machine never overwrite each other unseen.
 */
export class FileBackend implements StateBackend {
  readonly description: string;
  constructor(private readonly dir: string) {
    this.description = `STATE_STORE=file:${dir}`;
  }

  private path(key: string): string {
    const safe = key.split('/').map((part) => encodeURIComponent(part)).join('/');
    return join(this.dir, `${safe}.json`);
  }

  async read(key: string): Promise<{ text: string; version: Version } | undefined> {
    const path = this.path(key);
    try {
      // Version first: a rename between stat and read makes the version older than the text, so a write
      // conditional on it fails and re-reads (never the other way round).
      const version = await fileVersion(path);
      if (version === null) return undefined;
      return { text: await readFile(path, 'utf8'), version };
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async write(key: string, text: string, expected: Version | null): Promise<Version | 'conflict'> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    return withLock(`${path}.lock`, async () => {
      if ((await fileVersion(path)) !== expected) return 'conflict';
      const tmp = `${path}.${process.pid}.${randomUUID()}.tmp`;
      await writeFile(tmp, text);
      await rename(tmp, path);
      return (await fileVersion(path)) ?? 'conflict';
    });
  }

  async remove(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async keys(prefix: string): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (isMissing(err)) return;
        throw err;
      }
      for (const e of entries) {
        const full = join(dir, e.name);
        if (e.isDirectory()) await walk(full);
        else if (e.name.endsWith('.json')) {
          const key = relative(this.dir, full).slice(0, -'.json'.length).split(sep).map(decodeURIComponent).join('/');
          if (key.startsWith(prefix)) out.push(key);
        }
      }
    };
    await walk(this.dir);
    return out.sort();
  }

  async lease(key: string, ttlMs: number): Promise<StateLease | undefined> {
    const path = `${this.path(key)}.lease`;
    await mkdir(dirname(path), { recursive: true });
    const token = `${process.pid} ${randomUUID()}`;
    if (!(await createExclusive(path, token, ttlMs))) return undefined;
    // Kept fresh while held, so a crashed holder's lease expires after ttlMs but a live one never does.
    const refresh = setInterval(() => void writeFile(path, token).catch(() => {}), Math.max(1000, Math.floor(ttlMs / 3)));
    refresh.unref();
    return {
      release: async () => {
        clearInterval(refresh);
        try {
          if ((await readFile(path, 'utf8')) === token) await rm(path, { force: true });
        } catch (err) {
          if (!isMissing(err)) throw err;
        }
      },
    };
  }
}

async function fileVersion(path: string): Promise<Version | null> {
  try {
    const s = await stat(path, { bigint: true });
    return `${s.ino}-${s.mtimeNs}-${s.size}`;
  } catch (err) {
    if (isMissing(err)) return null;
    throw err;
  }
}

/** Creates `path` only if absent, or if the one there is older than `staleMs` (its holder died). */
async function createExclusive(path: string, content: string, staleMs: number): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(content);
      await handle.close();
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        const s = await stat(path);
        if (Date.now() - s.mtimeMs < staleMs) return false;
        await rm(path, { force: true });
      } catch (statErr) {
        if (!isMissing(statErr)) throw statErr;
      }
    }
  }
  return false;
}

async function withLock<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 10_000;
  while (!(await createExclusive(lockPath, String(process.pid), LOCK_STALE_MS))) {
    if (Date.now() > deadline) throw new Error(`state lock ${lockPath} held for more than 10 s`);
    await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
  }
  try {
    return await fn();
  } finally {
    await rm(lockPath, { force: true });
  }
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}
