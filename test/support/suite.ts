import { after, before } from 'node:test';

/**
 * A resource started before a test file's tests and stopped after them. The returned object forwards property reads
 * and writes to the live resource, so tests use it like a plain variable.
 */
export function forSuite<T extends object>(start: () => Promise<T>, stop: (resource: T) => Promise<void>): T {
  let current: T | undefined;
  before(async () => {
    current = await start();
  });
  after(async () => {
    if (current) await stop(current);
  });
  return liveProxy(() => {
    if (!current) throw new Error("a suite resource is used outside its test file's tests");
    return current;
  });
}

/** An object whose property reads and writes go to whatever `live()` returns at the time. */
export function liveProxy<T extends object>(live: () => T): T {
  return new Proxy({} as T, {
    get: (_target, property) => {
      const target = live();
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
    set: (_target, property, value: unknown) => Reflect.set(live(), property, value),
  });
}
