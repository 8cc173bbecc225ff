import type { Config } from '../config';
import type { Logger } from '../log';
import type { MetricMetadata, Series, SeriesGroup } from '../series';
import type { StateStore } from '../state/store';

export type SourceName = 'databricks' | 'synapse';

/** What one collection of one target (a warehouse host, a workspace) produced. */
export interface TargetResult {
  source: SourceName;
  /** Host or workspace name, as in --json `targets[].target`. */
  target: string;
  /** False when the target could not be (fully) collected; its `up` series says 0. */
  up: boolean;
  /** Everything collected (but what was handed to `CollectContext.emit`), each carrying its own `job` and `instance` labels. */
  series: Series[];
  /** More of it as groups (SeriesGroup: series sharing every label but the name, e.g. one Spark executor's metrics). */
  groups?: SeriesGroup[];
  /** TYPE/HELP for the metric families in `series`. */
  metadata?: MetricMetadata[];
  /** A message safe to print (no secrets). */
  error?: string;
  /**
   * Which slice of the target this result covers when the target is collected in slices (queue fan-out); each slice
   * owns its own series set, so stale markers stay right whichever instance collects it.
   */
  part?: string;
}

export interface CollectContext {
  config: Readonly<Config>;
  log: Logger;
  /** Durable state between runs (cached query results, previous series sets). */
  state: StateStore;
  /** Aborted when the cycle's budget runs out; no new request should start after that. */
  signal: AbortSignal;
  /** The cycle's timestamp, used for every sample it produces (ms since epoch). */
  nowMs: number;
  /**
   * When set (the cycle pushes), a source may hand over a target's series as it collects them instead of returning
   * them in `TargetResult.series`, so they are pushed while the rest is still being read (lib/stream). Each label set
   * goes in one part only; the target's result still follows. `groups` carry series that share all labels but the
   * name (SeriesGroup), without a labels object per series.
   */
  emit?(target: string, series: Series[], groups?: readonly SeriesGroup[]): Promise<void>;
}

/** A source never throws for one bad target: it returns that target with up=false. */
export interface Source {
  readonly name: SourceName;
  collect(ctx: CollectContext): Promise<TargetResult[]>;
  /** Releases pooled connections (the CLI calls it before exiting; Functions keep the source alive). */
  close?(): Promise<void>;
}
