import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { StateStore } from './store';

/** `file:<dir>`: one JSON file per key, written atomically (temp file + rename). */
export class FileStateStore implements StateStore {
  constructor(private readonly dir: string) {}

  private path(key: string): string {
    const safe = key.split('/').map((part) => encodeURIComponent(part)).join('/');
    return join(this.dir, `${safe}.json`);
  }

  async get(key: string): Promise<unknown | undefined> {
    try {
      return JSON.parse(await readFile(this.path(key), 'utf8')) as unknown;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async put(key: string, value: unknown): Promise<void> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, JSON.stringify(value));
    await rename(tmp, path);
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }
}
