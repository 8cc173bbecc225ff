import type { SynapseConfig, SynapseWorkspace } from './config';
import { getText, SynapseHttpError, type GetOptions } from './http';
import type { Limiter } from './limiter';

/** One Spark application as the monitoring API lists it, validated. */
export interface SparkJob {
  pool: string;
  livyId: string;
  /** null while queued. */
  appId: string | null;
  name: string;
  state: string;
  jobType: string;
  submitTimeMs?: number;
  endTimeMs?: number;
  queuedSeconds?: number;
  runningSeconds?: number;
  totalSeconds?: number;
}

export const RUNNING_FILTER = "(state eq 'submitting') or (state eq 'inprogress')";

/**
 * Lists applications page by page (`skip`) until `nJobs` is covered or the page cap is reached, de-duplicated by
 * (pool, livy id). Rows that cannot be read are skipped and counted. With a `limiter`, each page is one task of it and,
 * once the first page has told `nJobs` and the page size, the pages still needed are read at once (the limiter bounds
 * how many are in flight), then any shortfall page by page as before. `onFirstPage` is told the first page's jobs once the
 * later pages are asked for, when there are any (the first page's jobs are kept whatever later pages say: first
 * sighting wins), e.g. to start reading them behind the pages.
 */
export async function listSparkJobs(
  ws: SynapseWorkspace,
  filter: string,
  config: SynapseConfig,
  http: GetOptions,
  limiter?: Limiter,
  onFirstPage?: (jobs: readonly SparkJob[]) => void,
): Promise<{ jobs: SparkJob[]; badRows: number; truncated: boolean }> {
  const byKey = new Map<string, SparkJob>();
  let badRows = 0;
  const read = async (skip: number): Promise<Page> => {
    const url = `${ws.endpoint}/monitoring/workloadTypes/spark/applications?api-version=${encodeURIComponent(config.apiVersion)}&skip=${skip}&filter=${encodeURIComponent(filter)}`;
    const page = readPage(await (limiter ? limiter.run(() => getText(url, http)) : getText(url, http)));
    badRows += page.badRows;
    return page;
  };
  let skip = 0;
  /** Keeps a page's jobs (first sighting wins); true when the listing is complete. */
  const take = (page: Page): boolean => {
    for (const job of page.jobs) {
      const key = `${job.pool}\u0000${job.livyId}`;
      if (!byKey.has(key)) byKey.set(key, job);
    }
    skip += page.rows;
    return page.rows === 0 || skip >= page.total;
  };
  const done = () => ({ jobs: [...byKey.values()], badRows, truncated: false });

  const first = await read(0);
  const firstJobs = take(first) ? undefined : [...byKey.values()];
  if (firstJobs === undefined) return done();
  let pages = 1;
  if (limiter) {
    // Read at once, taken in list order, so the first sighting kept is the one reading them one by one would keep.
    const skips: number[] = [];
    for (let at = skip; at < first.total && pages + skips.length < config.maxPages; at += first.rows) skips.push(at);
    const reading = Promise.all(skips.map((at) => read(at)));
    onFirstPage?.(firstJobs); // after the pages: they are first in the limiter's queue
    const rest = await reading;
    pages += rest.length;
    for (const page of rest) if (take(page)) return done();
  } else onFirstPage?.(firstJobs);
  for (; pages < config.maxPages; pages++) if (take(await read(skip))) return done();
  return { jobs: [...byKey.values()], badRows, truncated: true };
}

interface Page {
  jobs: SparkJob[];
  /** Rows on the page, readable or not (how far `skip` moves). */
  rows: number;
  badRows: number;
  /** `nJobs`: rows the whole list has. */
  total: number;
}

/** One page of the monitoring list: its readable rows, the unreadable ones counted, and `nJobs`. */
function readPage(text: string): Page {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new SynapseHttpError(200, 'the monitoring API answered a body that is not JSON');
  }
  if (typeof body !== 'object' || body === null) throw new SynapseHttpError(200, 'the monitoring API answered an unexpected shape');
  const { nJobs, sparkJobs } = body as { nJobs?: unknown; sparkJobs?: unknown };
  const rows = Array.isArray(sparkJobs) ? (sparkJobs as unknown[]) : [];
  const jobs: SparkJob[] = [];
  let badRows = 0;
  for (const row of rows) {
    const job = toSparkJob(row);
    if (job === undefined) badRows++;
    else jobs.push(job);
  }
  return { jobs, rows: rows.length, badRows, total: typeof nJobs === 'number' ? nJobs : 0 };
}

function toSparkJob(row: unknown): SparkJob | undefined {
  if (typeof row !== 'object' || row === null) return undefined;
  const r = row as Record<string, unknown>;
  const pool = str(r.sparkPoolName) ?? str(r.compute);
  const livyId = typeof r.livyId === 'number' && Number.isFinite(r.livyId) ? String(r.livyId) : str(r.livyId);
  if (pool === undefined || livyId === undefined) return undefined;
  const appId = str(r.sparkApplicationId) ?? null;
  const submitTimeMs = time(r.submitTime);
  const endTimeMs = time(r.endTime);
  const queuedSeconds = humanDurationSeconds(r.queuedDuration);
  const runningSeconds = humanDurationSeconds(r.runningDuration);
  const totalSeconds = humanDurationSeconds(r.totalDuration);
  return {
    pool,
    livyId,
    appId,
    name: str(r.name) ?? '',
    state: (str(r.state) ?? 'unknown').toLowerCase(),
    jobType: str(r.jobType) ?? 'unknown',
    ...(submitTimeMs !== undefined ? { submitTimeMs } : {}),
    ...(endTimeMs !== undefined ? { endTimeMs } : {}),
    ...(queuedSeconds !== undefined ? { queuedSeconds } : {}),
    ...(runningSeconds !== undefined ? { runningSeconds } : {}),
    ...(totalSeconds !== undefined ? { totalSeconds } : {}),
  };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}

function time(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/** "1h 4m", "3m 0s", "12s", "2d 3h", "1356h 29m" → seconds. */
export function humanDurationSeconds(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const parts = v.trim().split(/\s+/);
  const units: Record<string, number> = { d: 86400, h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  for (const p of parts) {
    const m = /^(\d+(?:\.\d+)?)(ms|d|h|m|s)$/.exec(p);
    if (!m) return undefined;
    total += Number(m[1]) * units[m[2]!]!;
  }
  return parts.length ? total : undefined;
}

/** Applications worth a scrape (from the running list): with a Spark application id, not on a system-reserved pool. */
export function isScrapeTarget(job: SparkJob): boolean {
  return job.appId !== null && !job.pool.toLowerCase().startsWith('systemreservedpool-');
}
