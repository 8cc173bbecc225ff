import type { SynapseConfig, SynapseWorkspace } from './config';
import type { SparkJob } from './discover';
import { isScrapeTarget } from './discover';
import { readExecutorText } from './executors';
import type { GetOptions } from './http';
import type { Limiter } from './limiter';

/**
 * Executor texts requested while discovery still reads the monitoring list's later pages: the first page's
 * applications are scrape targets whatever the later pages say (first sighting wins), so their texts can be on the
 * way before discovery ends. At most `max` are started (their bodies wait for discovery: memory bounded by the
 * concurrency), all through the workspace's limiter. Nothing is parsed or pushed before discovery succeeded; if it
 * failed, settle() waits for the requests so none outlives the collection.
 */
export class EarlyTexts {
  private readonly texts = new Map<string, Promise<string>>();

  constructor(
    private readonly ws: SynapseWorkspace,
    private readonly config: SynapseConfig,
    private readonly http: GetOptions,
    private readonly limiter: Limiter,
    private readonly max: number,
  ) {}

  /** Starts the texts of these jobs' scrape targets, up to the bound. */
  start(jobs: readonly SparkJob[]): void {
    for (const job of jobs) {
      if (this.texts.size >= this.max) return;
      if (!isScrapeTarget(job)) continue;
      const key = keyOf(job);
      if (this.texts.has(key)) continue;
      const text = readExecutorText(this.ws, job, this.config, this.http, this.limiter);
      text.catch(() => undefined); // a failure is the scrape's to report, if the job is scraped at all
      this.texts.set(key, text);
    }
  }

  /** The started text of this job, handed over once (undefined when none was started). */
  take(job: SparkJob): Promise<string> | undefined {
    const key = keyOf(job);
    const text = this.texts.get(key);
    this.texts.delete(key);
    return text;
  }

  /** Waits for the texts nobody took (discovery failed): no request outlives the collection. */
  async settle(): Promise<void> {
    const rest = [...this.texts.values()];
    this.texts.clear();
    await Promise.allSettled(rest);
  }
}

const keyOf = (job: SparkJob) => `${job.pool}\u0000${job.livyId}\u0000${job.appId ?? ''}`;
