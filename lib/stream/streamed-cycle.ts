import type { SeriesWriter, WriteOutcome } from '../cycle';
import { groupSamples, type MetricMetadata, type Series, type SeriesGroup } from '../series';
import type { TargetResult } from '../sources/source';
import { StalenessTracker, type StalenessSession } from '../staleness';
import type { StateStore } from '../state/store';
import { StreamingPush } from './streaming-push';

export interface StreamedCycleOptions {
  writer: SeriesWriter;
  state: StateStore;
  nowMs: number;
  /** Series handed to the writer per write (a few requests' worth). */
  flushSamples: number;
  /** EXTERNAL_LABELS, applied to every part. */
  withExternalLabels(series: readonly Series[]): Series[];
  /** The same for groups (once per group). */
  groupsWithExternalLabels(groups: readonly SeriesGroup[]): readonly SeriesGroup[];
}

/**
 * The push side of a cycle whose sources hand over series while they collect (`CollectContext.emit`): each part gets
 * the external labels, passes the target's stale-marker bookkeeping (StalenessSession) and goes to the writer at
 * once, so the push runs while other applications are still read and no estate-wide array of series is built. When a
 * target's result arrives, its remaining series and its stale markers follow. Per-series order holds because writes
 * run in order and each series' parts come in order (re-sent samples first).
 */
export class StreamedCycle {
  private readonly tracker: StalenessTracker;
  private readonly sessions = new Map<string, Promise<StalenessSession>>();
  private readonly emitted = new Map<string, number>();
  readonly push: StreamingPush;

  constructor(private readonly o: StreamedCycleOptions) {
    this.tracker = new StalenessTracker(o.state);
    this.push = new StreamingPush(o.writer, o.flushSamples);
  }

  /** `CollectContext.emit` for one source. */
  emitter(source: string): (target: string, series: Series[], groups?: readonly SeriesGroup[]) => Promise<void> {
    return async (target, series, groups) => {
      const key = keyOf(source, target);
      this.emitted.set(key, (this.emitted.get(key) ?? 0) + series.length + (groups === undefined ? 0 : groupSamples(groups)));
      const session = await this.session(source, target);
      const plain = series.length ? session.add(this.o.withExternalLabels(series)) : [];
      const grouped = groups?.length ? session.addGroups(this.o.groupsWithExternalLabels(groups)) : [];
      await this.push.push(plain, grouped);
    };
  }

  /** A target's result: its series (beyond those emitted) and its stale markers are pushed; returned for the report. */
  async target(result: TargetResult): Promise<{ series: Series[]; markers: Series[]; emitted: number }> {
    const key = keyOf(result.source, result.target, result.part);
    const session = await this.session(result.source, result.target, result.part);
    this.sessions.delete(key);
    const series = session.add(this.o.withExternalLabels(result.series));
    const groups = result.groups?.length ? session.addGroups(this.o.groupsWithExternalLabels(result.groups)) : [];
    const markers = await session.finish(this.o.nowMs);
    await this.push.push(series, groups);
    await this.push.push(markers);
    return { series, markers, emitted: this.emitted.get(key) ?? 0 };
  }

  /** Finishes targets that emitted but never returned a result (their source failed), then drains the writes. */
  async close(metadata: readonly MetricMetadata[]): Promise<WriteOutcome> {
    for (const [key, pending] of this.sessions) {
      this.sessions.delete(key);
      await this.push.push(await (await pending).finish(this.o.nowMs));
    }
    return this.push.close(metadata);
  }

  /** A slice (`part`) of a target has its own session: it owns its own series set. */
  private session(source: string, target: string, part?: string): Promise<StalenessSession> {
    const key = keyOf(source, target, part);
    let session = this.sessions.get(key);
    if (session === undefined) this.sessions.set(key, (session = this.tracker.begin(source, target, part)));
    return session;
  }
}

const keyOf = (source: string, target: string, part?: string) => `${source}\u0000${target}\u0000${part ?? ''}`;
