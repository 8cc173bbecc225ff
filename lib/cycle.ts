import type { Config } from './config';
import { errorMessage } from './errors';
import { healthMetadata, healthSeries } from './health';
import type { Logger } from './log';
import { expandGroup, groupSamples, mergeSeries, type Labels, type MetricMetadata, type Series, type SeriesGroup } from './series';
import type { Source, TargetResult } from './sources/source';
import { StalenessTracker } from './staleness';
import { StreamedCycle } from './stream/streamed-cycle';
import { claimSpool, releaseSpool, spool } from './spool';
import type { StateStore } from './state/store';

/** What the remote-write sender reports for one write() (lib/remote-write/sender.ts implements it). */
export interface WriteOutcome {
  samplesSent: number;
  samplesFailed: number;
  samplesRetried: number;
  samplesDropped: Record<string, number>;
  requests: number;
  bytesSent: number;
  /** Series not delivered for retryable reasons; kept in the state store and sent first next cycle. */
  undelivered: Series[];
  errors: string[];
}

export interface SeriesWriter {
  /** `groups`: more series, sharing all labels but the name within each group (SeriesGroup), sent after `series`. */
  write(series: readonly Series[], metadata?: readonly MetricMetadata[], signal?: AbortSignal, groups?: readonly SeriesGroup[]): Promise<WriteOutcome>;
}

export interface CycleOptions {
  config: Readonly<Config>;
  sources: readonly Source[];
  state: StateStore;
  /**
   * The kind of cycle, owning its own counters and spool (see healthSeries): `all` or a source name for the CLI,
   * the source for a timer, `collect/<workspace>/<slice>` for a fan-out slice. Default `all`.
   */
  runner?: string;
  /** Set when STATE_STORE could not be used; reported as this cycle's state error. */
  stateFailure?: () => string | undefined;
  log: Logger;
  /** Undefined for --dry-run: collect only. */
  writer?: SeriesWriter;
  /** Injectable clock (tests). */
  now?: () => number;
  /** The cycle's timestamp, when it is not the clock's (a fan-out slice carries its planner's). */
  timestampMs?: number;
  /** Series added to the health push (the planner's fan-out counters). */
  extraHealth?: (nowMs: number, state: StateStore, instance: string) => Promise<Series[]>;
}

export interface TargetSummary {
  source: string;
  target: string;
  up: 0 | 1;
  series: number;
  error?: string;
}

export interface CycleReport {
  /** Series and samples handed to the writer (collected, stale markers, re-sent, health). */
  series: number;
  samples: number;
  requests: number;
  /** Samples not accepted: failed after retries, rejected, or dropped before sending. */
  failedSamples: number;
  targets: TargetSummary[];
  /** What this cycle produced, for --dry-run printing (when pushing, series a source streamed are not kept here). */
  collected: Series[];
  metadata: MetricMetadata[];
  durationMs: number;
  errors: string[];
  /** Why STATE_STORE could not be used this cycle (collection and push still happened), or undefined. */
  stateError?: string;
  /** Set when the cycle did not run at all (another run held the lease); nothing was collected or pushed. */
  skipped?: string;
}

/**
 * One collection cycle: sources → samples (+ stale markers, + what the last run could not deliver) →
 * remote write → health series. A bad target never stops the others; nothing undelivered is lost silently.
 */
/** With a writer, series stream to it in writes of this many requests' worth of samples: one per lane (lib/collector.ts has 4), so few series wait in memory. */
const STREAM_WRITE_REQUESTS = 4;

export async function runCycle(options: CycleOptions): Promise<CycleReport> {
  const { config, sources, state, log, writer } = options;
  const runner = options.runner ?? 'all';
  const now = options.now ?? Date.now;
  const startMs = now();
  const nowMs = options.timestampMs ?? Math.floor(startMs);

  const budget = new AbortController();
  const timer = setTimeout(() => budget.abort(new Error(`cycle budget of ${config.cycleBudgetMs} ms exhausted`)), config.cycleBudgetMs);
  timer.unref?.();
  // With a writer, series stream to it while the sources collect (lib/stream); --dry-run collects everything first.
  const stream = writer
    ? new StreamedCycle({ writer, state, nowMs, flushSamples: STREAM_WRITE_REQUESTS * (config.remoteWrite?.maxSamplesPerRequest ?? 2000), withExternalLabels: (s) => withExternalLabels(s, config.externalLabels), groupsWithExternalLabels: (g) => groupsWithExternalLabels(g, config.externalLabels) })
    : undefined;
  // What earlier runs of this runner could not deliver goes first, in a write of its own: each series stays in order.
  const claim = stream ? await claimSpool(state, runner) : { series: [], keys: [] };
  const resent = claim.series;
  if (stream) {
    if (resent.length) log.info('re-sending samples the last run could not deliver', { series: resent.length });
    await stream.push.pushAlone(resent);
  }
  let results: TargetResult[];
  try {
    results = (await Promise.all(sources.map((source) => collectSafely(source, { config, log, state, signal: budget.signal, nowMs, ...(stream ? { emit: stream.emitter(source.name) } : {}) })))).flat();
  } finally {
    clearTimeout(timer);
  }

  const staleness = new StalenessTracker(state);
  const collected: Series[] = [];
  const metadata: MetricMetadata[] = [...healthMetadata];
  const targets: TargetSummary[] = [];
  for (const result of results) {
    const { series, markers, emitted } = stream
      ? await stream.target(result)
      : { ...(await staleness.update(result.source, result.target, withExternalLabels(withGroupsExpanded(result), config.externalLabels), nowMs, result.part)), emitted: 0 };
    for (const s of series) collected.push(s);
    for (const s of markers) collected.push(s);
    for (const m of result.metadata ?? []) metadata.push(m);
    targets.push({
      source: result.source,
      target: result.target,
      up: result.up ? 1 : 0,
      series: result.series.length + (result.groups === undefined ? 0 : groupSamples(result.groups)) + emitted,
      ...(result.error !== undefined ? { error: result.error } : {}),
    });
    if (!result.up) log.warn('target down', { source: result.source, target: result.target, error: result.error });
  }

  const errors: string[] = [];
  let sent = emptyOutcome();
  if (stream) sent = await stream.close(dedupeMetadata(metadata));

  const durationSeconds = (now() - startMs) / 1000;
  const extra = options.extraHealth ? await options.extraHealth(nowMs, state, config.instanceName) : [];
  const health = withExternalLabels(
    [
      ...(await healthSeries(
      {
        durationSeconds,
        samplesSent: sent.samplesSent,
        samplesFailed: sent.samplesFailed,
        samplesRetried: sent.samplesRetried,
        samplesDropped: sent.samplesDropped,
        requests: sent.requests,
        bytesSent: sent.bytesSent,
        targets: targets.map((t) => ({ source: t.source, target: t.target, up: t.up === 1, series: t.series })),
      },
      { instance: config.instanceName, runner },
      nowMs,
      state,
      )),
      ...extra,
    ],
    config.externalLabels,
  );
  let healthOutcome = emptyOutcome();
  if (writer) {
    healthOutcome = await writer.write(health);
    // The new entry is written before the claimed ones go: a crash in between duplicates samples, never loses them.
    await spool(state, runner, [...sent.undelivered, ...healthOutcome.undelivered], nowMs);
    await releaseSpool(state, claim);
    errors.push(...sent.errors, ...healthOutcome.errors);
  }

  const stateError = options.stateFailure?.();
  if (stateError !== undefined) errors.push(stateError);
  const dropped = (o: WriteOutcome) => Object.values(o.samplesDropped).reduce((a, b) => a + b, 0);
  const healthSamples = health.reduce((n, s) => n + s.samples.length, 0);
  return {
    // Handed to the writer (streamed: re-sent, collected, markers), or collected (--dry-run), plus health.
    series: (stream ? stream.push.series : collected.length) + health.length,
    samples: (stream ? stream.push.samples : collected.reduce((n, s) => n + s.samples.length, 0)) + healthSamples,
    requests: sent.requests + healthOutcome.requests,
    failedSamples: sent.samplesFailed + healthOutcome.samplesFailed + dropped(sent) + dropped(healthOutcome),
    targets,
    collected: [...collected, ...health],
    metadata: dedupeMetadata(metadata),
    durationMs: now() - startMs,
    errors,
    ...(stateError !== undefined ? { stateError } : {}),
  };
}

async function collectSafely(source: Source, ctx: Parameters<Source['collect']>[0]): Promise<TargetResult[]> {
  try {
    return await source.collect(ctx);
  } catch (err) {
    // A source must not throw, but if one does, only its own targets go down.
    ctx.log.error('source failed', { source: source.name, error: errorMessage(err) });
    return [{ source: source.name, target: source.name, up: false, series: [], error: errorMessage(err) }];
  }
}

/** EXTERNAL_LABELS on every series; a series' own label wins. */
/** A result's series with its groups as plain series (the collect-everything path: --dry-run prints them). */
function withGroupsExpanded(result: TargetResult): Series[] {
  if (!result.groups?.length) return result.series;
  const all = [...result.series];
  for (const g of result.groups) expandGroup(g, all);
  return all;
}

/** EXTERNAL_LABELS on groups: once per group (its labels have no `__name__`), as withExternalLabels does per series. */
export function groupsWithExternalLabels(groups: readonly SeriesGroup[], external: Readonly<Record<string, string>>): readonly SeriesGroup[] {
  const keys = Object.keys(external).filter((k) => k !== '__name__');
  if (keys.length === 0) return groups;
  return groups.map((g) => {
    const labels = labelsWithExternal(g.labels, keys, external);
    return labels === g.labels ? g : { labels, names: g.names, values: g.values, timestampMs: g.timestampMs };
  });
}

export function withExternalLabels(series: readonly Series[], external: Readonly<Record<string, string>>): Series[] {
  const keys = Object.keys(external);
  if (keys.length === 0) return [...series];
  return series.map((s) => {
    const labels = labelsWithExternal(s.labels, keys, external);
    return labels === s.labels ? s : { labels, samples: s.samples };
  });
}

/** `labels` with the external labels (`keys` of them) it lacks or has empty; the same object when it lacks none. */
function labelsWithExternal(labels: Labels, keys: readonly string[], external: Readonly<Record<string, string>>): Labels {
  let out = labels;
  for (const k of keys) {
    if (labels[k] === undefined || labels[k] === '') {
      if (out === labels) out = { ...labels };
      out[k] = external[k]!;
    }
  }
  return out;
}

function dedupeMetadata(metadata: readonly MetricMetadata[]): MetricMetadata[] {
  const seen = new Map<string, MetricMetadata>();
  for (const m of metadata) if (!seen.has(m.name)) seen.set(m.name, m);
  return [...seen.values()];
}

function emptyOutcome(): WriteOutcome {
  return { samplesSent: 0, samplesFailed: 0, samplesRetried: 0, samplesDropped: {}, requests: 0, bytesSent: 0, undelivered: [], errors: [] };
}
