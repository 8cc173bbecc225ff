import type { SeriesWriter, WriteOutcome } from '../cycle';
import type { MetricMetadata, Series, SeriesGroup } from '../series';
import { addWriteCounts } from '../write-counts';

/**
 * Hands series to the writer in parts while collection goes on: parts are gathered until `flushSamples`, then written;
 * writes run one after another (so a series given in several parts, e.g. re-sent samples then new ones, keeps its
 * order), and at most `maxQueuedWrites` wait behind the one in flight — the producer waits beyond that, so memory is
 * bounded by a few writes, not by the estate. Outcomes are summed exactly as one write() would report them.
 */
export class StreamingPush {
  private pending: Series[] = [];
  private pendingGroups: SeriesGroup[] = [];
  private pendingSamples = 0;
  private readonly queued: Array<Promise<void>> = [];
  private tail: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;
  /** Series and samples handed to the writer so far. */
  series = 0;
  samples = 0;
  readonly outcome: WriteOutcome = { samplesSent: 0, samplesFailed: 0, samplesRetried: 0, samplesDropped: {}, requests: 0, bytesSent: 0, undelivered: [], errors: [] };

  constructor(
    private readonly writer: SeriesWriter,
    private readonly flushSamples: number,
    private readonly maxQueuedWrites = 2,
  ) {}

  /** Queues `series` and `groups` (each label set once per push), first waiting while `maxQueuedWrites` wait behind the one in flight. */
  async push(series: readonly Series[], groups: readonly SeriesGroup[] = []): Promise<void> {
    while (this.queued.length > this.maxQueuedWrites) await this.queued[0];
    for (const s of series) {
      this.pending.push(s);
      this.pendingSamples += s.samples.length;
      this.samples += s.samples.length;
    }
    this.series += series.length;
    for (const g of groups) {
      this.pendingGroups.push(g);
      this.pendingSamples += g.names.length;
      this.samples += g.names.length;
      this.series += g.names.length;
    }
    if (this.pendingSamples >= this.flushSamples) this.flush();
    if (this.failure) throw this.failure.error;
  }

  /** Queues `series` as a write of its own (re-sent samples: a series may come again in a later part). */
  async pushAlone(series: readonly Series[]): Promise<void> {
    this.flush();
    await this.push(series);
    this.flush();
  }

  /** Writes what is left, with the metadata, and waits for every write; the summed outcome. */
  async close(metadata: readonly MetricMetadata[]): Promise<WriteOutcome> {
    this.flush(metadata);
    await this.tail;
    if (this.failure) throw this.failure.error;
    const errors = new Set(this.outcome.errors);
    this.outcome.errors = [...errors];
    return this.outcome;
  }

  private flush(metadata?: readonly MetricMetadata[]): void {
    if (this.pending.length === 0 && this.pendingGroups.length === 0 && !metadata?.length) return;
    const part = this.pending;
    const groups = this.pendingGroups;
    this.pending = [];
    this.pendingGroups = [];
    this.pendingSamples = 0;
    const done = (this.tail = this.tail.then(async () => {
      if (this.failure) return;
      try {
        this.add(await this.writer.write(part, metadata, undefined, groups.length ? groups : undefined));
      } catch (error) {
        this.failure ??= { error };
      }
    }));
    this.queued.push(done);
    void done.then(() => this.queued.splice(this.queued.indexOf(done), 1));
  }

  private add(o: WriteOutcome): void {
    const t = this.outcome;
    addWriteCounts(t, o);
    for (const s of o.undelivered) t.undelivered.push(s);
    for (const e of o.errors) t.errors.push(e);
  }
}
