import { ConfigError } from './errors';

/** The environment as lib/ sees it: passed in, never read from process.env outside lib/config.ts. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Typed readers over an Env. Each bad value throws a ConfigError naming the variable. */
export class EnvReader {
  constructor(private readonly env: Env) {}

  /** The trimmed value, or undefined when unset or blank. */
  string(name: string): string | undefined {
    const raw = this.env[name];
    if (raw === undefined) return undefined;
    const trimmed = raw.trim();
    return trimmed === '' ? undefined : trimmed;
  }

  requiredString(name: string, why: string): string {
    const value = this.string(name);
    if (value === undefined) throw new ConfigError(name, `${name} must be set (${why})`);
    return value;
  }

  /** A secret: never echoed back in errors. */
  secret(name: string): string | undefined {
    return this.string(name);
  }

  positiveInt(name: string, fallback: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) <= 0 || !Number.isSafeInteger(Number(raw))) {
      throw new ConfigError(name, `${name} must be a positive integer (got ${JSON.stringify(raw)})`);
    }
    return Number(raw);
  }

  nonNegativeInt(name: string, fallback: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
      throw new ConfigError(name, `${name} must be a non-negative integer (got ${JSON.stringify(raw)})`);
    }
    return Number(raw);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T;
  oneOf<T extends string>(name: string, allowed: readonly T[], fallback?: undefined): T | undefined;
  oneOf<T extends string>(name: string, allowed: readonly T[], fallback?: T): T | undefined {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const found = allowed.find((a) => a === raw.toLowerCase());
    if (found === undefined) {
      throw new ConfigError(name, `${name} must be one of ${allowed.join(', ')} (got ${JSON.stringify(raw)})`);
    }
    return found;
  }

  url(name: string): URL | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    return parseUrl(name, raw);
  }

  /** `k=v,k2=v2` into a record; keys must be valid label names. */
  keyValues(name: string): Record<string, string> {
    const raw = this.string(name);
    const out: Record<string, string> = {};
    if (raw === undefined) return out;
    for (const part of raw.split(',')) {
      if (part.trim() === '') continue;
      const eq = part.indexOf('=');
      const key = eq < 0 ? '' : part.slice(0, eq).trim();
      if (eq < 0 || !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(key)) {
        throw new ConfigError(name, `${name} must be a comma-separated list of name=value pairs with valid label names (got ${JSON.stringify(part.trim())})`);
      }
      out[key] = part.slice(eq + 1).trim();
    }
    return out;
  }
}

export function parseUrl(variable: string, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(variable, `${variable} must be an absolute URL (got ${JSON.stringify(redactUrl(raw))})`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(variable, `${variable} must be an http(s) URL (got ${JSON.stringify(url.protocol)})`);
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new ConfigError(variable, `${variable} must use https:// for non-loopback hosts (got http://${url.host})`);
  }
  return url;
}

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** A URL safe to print: no userinfo, no query string. */
export function redactUrl(raw: string | URL): string {
  try {
    const url = new URL(String(raw));
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return '<invalid url>';
  }
}
