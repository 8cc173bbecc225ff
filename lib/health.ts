import { addWriteCounts, type WriteCounts } from './write-counts';
import type { MetricMetadata, Series } from './series';
import type { StateStore } from './state/store';



/** What one cycle did, as its own health series describe it. */
export interface CycleStats extends WriteCounts {
  durationSeconds: number;
  targets: Array<{ source: string; target: string; up: boolean; series: number }>;
}

/** Counters accumulated across runs; `atMs` is the timestamp their last values were sent with. */
interface Totals extends WriteCounts {
  cycles: number;
  atMs: number;
}

/** Whose health this is: `instance` as a scrape would label it, `runner` the kind of cycle (see healthSeries). */
export interface HealthIdentity {
  instance: string;
  runner: string;
}

export const healthMetadata: MetricMetadata[] = [
  { name: 'lakepulse_cycle_duration_seconds', type: 'gauge', help: 'Wall time of the last collection cycle, collection and push.' },
  { name: 'lakepulse_cycle_timestamp_seconds', type: 'gauge', help: 'When the last collection cycle ran (Unix seconds).' },
  { name: 'lakepulse_cycles_total', type: 'counter', help: 'Collection cycles run.' },
  { name: 'lakepulse_samples_pushed_total', type: 'counter', help: 'Samples the receiver accepted.' },
  { name: 'lakepulse_samples_failed_total', type: 'counter', help: 'Samples given up after retries or rejected by the receiver.' },
  { name: 'lakepulse_samples_retried_total', type: 'counter', help: 'Samples sent again after a retryable failure.' },
  { name: 'lakepulse_samples_dropped_total', type: 'counter', help: 'Samples dropped before sending, by reason.' },
  { name: 'lakepulse_remote_write_requests_total', type: 'counter', help: 'Remote-write requests made.' },
  { name: 'lakepulse_remote_write_bytes_total', type: 'counter', help: 'Compressed remote-write body bytes accepted.' },
  { name: 'lakepulse_target_up', type: 'gauge', help: '1 when the target was collected in the last cycle, else 0.' },
  { name: 'lakepulse_target_series', type: 'gauge', help: 'Series collected from the target in the last cycle.' },
];

/**
 * Lakepulse's own series (`job="lakepulse"`): per-cycle gauges plus counters that accumulate across runs in the
 * state store, so `rate()` works although every run is a fresh process. Each kind of cycle (`runner`: `all` or one
 * source for the CLI, `databricks`/`synapse` for the timers, `collect/<workspace>/<slice>` for a fan-out slice) keeps
 * its own counters, so cycles that run side by side never interleave two counts in one series. Totals are a
 * read-modify-write: two instances of one runner both add their increments, and the counters' timestamps advance
 * with their values, so a counter never goes backwards.
 */
export async function healthSeries(stats: CycleStats, who: HealthIdentity, nowMs: number, state: StateStore): Promise<Series[]> {
  const totals = await state.update(totalsKey(who.runner), (stored) => {
    const t = readTotals(stored);
    t.cycles += 1;
    addWriteCounts(t, stats);
    t.atMs = Math.max(nowMs, t.atMs + 1);
    return { value: t, result: t };
  });

  const base = { job: 'lakepulse', instance: who.instance, runner: who.runner };
  const one = (name: string, value: number, extra: Record<string, string> = {}, atMs = nowMs): Series => ({
    labels: { __name__: name, ...base, ...extra },
    samples: [{ value, timestampMs: atMs }],
  });
  const counter = (name: string, value: number, extra: Record<string, string> = {}) => one(name, value, extra, totals.atMs);
  const out: Series[] = [
    one('lakepulse_cycle_duration_seconds', stats.durationSeconds),
    one('lakepulse_cycle_timestamp_seconds', nowMs / 1000),
    counter('lakepulse_cycles_total', totals.cycles),
    counter('lakepulse_samples_pushed_total', totals.samplesSent),
    counter('lakepulse_samples_failed_total', totals.samplesFailed),
    counter('lakepulse_samples_retried_total', totals.samplesRetried),
    counter('lakepulse_remote_write_requests_total', totals.requests),
    counter('lakepulse_remote_write_bytes_total', totals.bytesSent),
  ];
  for (const [reason, n] of Object.entries(totals.samplesDropped)) out.push(counter('lakepulse_samples_dropped_total', n, { reason }));
  for (const t of stats.targets) {
    out.push(one('lakepulse_target_up', t.up ? 1 : 0, { source: t.source, target: t.target }));
    out.push(one('lakepulse_target_series', t.series, { source: t.source, target: t.target }));
  }
  return out;
}

/** The state key of a runner's counters; the CLI's whole-estate runner keeps the key older versions used. */
export function totalsKey(runner: string): string {
  return runner === 'all' ? 'health/totals' : `health/${runner}/totals`;
}

function readTotals(stored: unknown): Totals {
  const totals: Totals = { samplesSent: 0, samplesFailed: 0, samplesRetried: 0, requests: 0, bytesSent: 0, cycles: 0, atMs: 0, samplesDropped: {} };
  if (typeof stored !== 'object' || stored === null) return totals;
  const s = stored as Record<string, unknown>;
  for (const k of ['samplesSent', 'samplesFailed', 'samplesRetried', 'requests', 'bytesSent', 'cycles', 'atMs'] as const) {
    const v = s[k];
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) totals[k] = v;
  }
  if (typeof s.samplesDropped === 'object' && s.samplesDropped !== null) {
    for (const [k, v] of Object.entries(s.samplesDropped)) if (typeof v === 'number' && Number.isFinite(v)) totals.samplesDropped[k] = v;
  }
  return totals;
}
