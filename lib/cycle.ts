import type { Config } from './config';
import { errorMessage } from './errors';
import { healthMetadata, healthSeries } from './health';
import type { Logger } from './log';
import type { MetricMetadata, Series } from './series';
import type { Source, TargetResult } from './sources/source';
import { StalenessTracker } from './staleness';
import { StreamedCycle } from './stream/streamed-cycle';
import { decodeSeries, encodeSeries } from './state/series-codec';
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
  write(series: readonly Series[], metadata?: readonly MetricMetadata[], signal?: AbortSignal): Promise<WriteOutcome>;
}

export interface CycleOptions {
  config: Readonly<Config>;
  sources: readonly Source[];
  state: StateStore;
  log: Logger;
  /** Undefined for --dry-run: collect only. */
  writer?: SeriesWriter;
  /** Injectable clock (tests). */
  now?: () => number;
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
}

const UNDELIVERED_KEY = 'remote-write/undelivered';
/** With a writer, series stream to it in writes of this many requests' worth of samples (lib/collector.ts has 4 lanes). */
const STREAM_WRITE_REQUESTS = 8;

/**
 * One collection cycle: sources → samples (+ stale markers, + what the last run could not deliver) →
 * remote write → health series. A bad target never stops the others; nothing undelivered is lost silently.
 */
export async function runCycle(options: CycleOptions): Promise<CycleReport> {
  const { config, sources, state, log, writer } = options;
  const now = options.now ?? Date.now;
  const startMs = now();
  const nowMs = Math.floor(startMs);

  const budget = new AbortController();
  const timer = setTimeout(() => budget.abort(new Error(`cycle budget of ${config.cycleBudgetMs} ms exhausted`)), config.cycleBudgetMs);
  timer.unref?.();
  // With a writer, series stream to it while the sources collect (lib/stream); --dry-run collects everything first.
  const stream = writer
    ? new StreamedCycle({ writer, state, nowMs, flushSamples: STREAM_WRITE_REQUESTS * (config.remoteWrite?.maxSamplesPerRequest ?? 2000), withExternalLabels: (s) => withExternalLabels(s, config.externalLabels) })
    : undefined;
  let resent: Series[] = [];
  if (stream) {
    resent = decodeSeries(await state.get(UNDELIVERED_KEY));
    if (resent.length) log.info('re-sending samples the last run could not deliver', { series: resent.length });
    await stream.push.pushAlone(resent); // a write of their own, first: each series stays in timestamp order
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
      : { ...(await staleness.update(result.source, result.target, withExternalLabels(result.series, config.externalLabels), nowMs)), emitted: 0 };
    for (const s of series) collected.push(s);
    for (const s of markers) collected.push(s);
    for (const m of result.metadata ?? []) metadata.push(m);
    targets.push({
      source: result.source,
      target: result.target,
      up: result.up ? 1 : 0,
      series: result.series.length + emitted,
      ...(result.error !== undefined ? { error: result.error } : {}),
    });
    if (!result.up) log.warn('target down', { source: result.source, target: result.target, error: result.error });
  }

  const errors: string[] = [];
  let sent = emptyOutcome();
  if (stream) sent = await stream.close(dedupeMetadata(metadata));

  const durationSeconds = (now() - startMs) / 1000;
  const health = withExternalLabels(
    await healthSeries(
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
      config.instanceName,
      nowMs,
      state,
    ),
    config.externalLabels,
  );
  let healthOutcome = emptyOutcome();
  if (writer) {
    healthOutcome = await writer.write(health);
    const undelivered = [...sent.undelivered, ...healthOutcome.undelivered];
    if (undelivered.length) await state.put(UNDELIVERED_KEY, encodeSeries(undelivered));
    else if (resent.length) await state.delete(UNDELIVERED_KEY);
    errors.push(...sent.errors, ...healthOutcome.errors);
  }

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
export function withExternalLabels(series: readonly Series[], external: Readonly<Record<string, string>>): Series[] {
  const keys = Object.keys(external);
  if (keys.length === 0) return [...series];
  return series.map((s) => {
    let labels = s.labels;
    for (const k of keys) {
      if (labels[k] === undefined || labels[k] === '') {
        if (labels === s.labels) labels = { ...s.labels };
        labels[k] = external[k]!;
      }
    }
    return labels === s.labels ? s : { labels, samples: s.samples };
  });
}

function dedupeMetadata(metadata: readonly MetricMetadata[]): MetricMetadata[] {
  const seen = new Map<string, MetricMetadata>();
  for (const m of metadata) if (!seen.has(m.name)) seen.set(m.name, m);
  return [...seen.values()];
}

function emptyOutcome(): WriteOutcome {
  return { samplesSent: 0, samplesFailed: 0, samplesRetried: 0, samplesDropped: {}, requests: 0, bytesSent: 0, undelivered: [], errors: [] };
}
