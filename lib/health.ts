import type { WriteOutcome } from './cycle';
import type { MetricMetadata, Series } from './series';
import type { StateStore } from './state/store';

type Counts = Pick<WriteOutcome, 'samplesSent' | 'samplesFailed' | 'samplesRetried' | 'samplesDropped' | 'requests' | 'bytesSent'>;

/** What one cycle did, as its own health series describe it. */
export interface CycleStats extends Counts {
  durationSeconds: number;
  targets: Array<{ source: string; target: string; up: boolean; series: number }>;
}

/** Counters accumulated across runs. */
interface Totals extends Counts {
  cycles: number;
}

const TOTALS_KEY = 'health/totals';

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
 * state store, so `rate()` works although every run is a fresh process.
 */
export async function healthSeries(stats: CycleStats, instance: string, nowMs: number, state: StateStore): Promise<Series[]> {
  const totals = readTotals(await state.get(TOTALS_KEY));
  totals.cycles += 1;
  totals.samplesSent += stats.samplesSent;
  totals.samplesFailed += stats.samplesFailed;
  totals.samplesRetried += stats.samplesRetried;
  totals.requests += stats.requests;
  totals.bytesSent += stats.bytesSent;
  for (const [reason, n] of Object.entries(stats.samplesDropped)) totals.samplesDropped[reason] = (totals.samplesDropped[reason] ?? 0) + n;
  await state.put(TOTALS_KEY, totals);

  const base = { job: 'lakepulse', instance };
  const one = (name: string, value: number, extra: Record<string, string> = {}): Series => ({
    labels: { __name__: name, ...base, ...extra },
    samples: [{ value, timestampMs: nowMs }],
  });
  const out: Series[] = [
    one('lakepulse_cycle_duration_seconds', stats.durationSeconds),
    one('lakepulse_cycle_timestamp_seconds', nowMs / 1000),
    one('lakepulse_cycles_total', totals.cycles),
    one('lakepulse_samples_pushed_total', totals.samplesSent),
    one('lakepulse_samples_failed_total', totals.samplesFailed),
    one('lakepulse_samples_retried_total', totals.samplesRetried),
    one('lakepulse_remote_write_requests_total', totals.requests),
    one('lakepulse_remote_write_bytes_total', totals.bytesSent),
  ];
  for (const [reason, n] of Object.entries(totals.samplesDropped)) out.push(one('lakepulse_samples_dropped_total', n, { reason }));
  for (const t of stats.targets) {
    out.push(one('lakepulse_target_up', t.up ? 1 : 0, { source: t.source, target: t.target }));
    out.push(one('lakepulse_target_series', t.series, { source: t.source, target: t.target }));
  }
  return out;
}

function readTotals(stored: unknown): Totals {
  const totals: Totals = { samplesSent: 0, samplesFailed: 0, samplesRetried: 0, requests: 0, bytesSent: 0, cycles: 0, samplesDropped: {} };
  if (typeof stored !== 'object' || stored === null) return totals;
  const s = stored as Record<string, unknown>;
  for (const k of ['samplesSent', 'samplesFailed', 'samplesRetried', 'requests', 'bytesSent', 'cycles'] as const) {
    const v = s[k];
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) totals[k] = v;
  }
  if (typeof s.samplesDropped === 'object' && s.samplesDropped !== null) {
    for (const [k, v] of Object.entries(s.samplesDropped)) if (typeof v === 'number' && Number.isFinite(v)) totals.samplesDropped[k] = v;
  }
  return totals;
}
