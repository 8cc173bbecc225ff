import { randomUUID } from 'node:crypto';
import { mergeSeries, type Series } from './series';
import { decodeSeries, encodeSeries } from './state/series-codec';
import type { StateStore } from './state/store';

/** Where versions before the per-runner spool kept undelivered samples; still read, so an upgrade loses nothing. */
const LEGACY_KEY = 'remote-write/undelivered';

/** What a cycle took from the spool: the series to send first, and the entries to remove once they were sent. */
export interface SpoolClaim {
  series: Series[];
  keys: string[];
}

/**
 * Samples that could not be delivered, kept between runs. Each run writes its own entry
 * (`spool/<runner>/<time>-<uuid>`) and never rewrites another's, so concurrent writers cannot lose a sample. The next
 * run of the same runner sends every entry first and removes it only after the send, re-spooling what still failed
 * under a new entry: a run that dies in between leaves the entry for the next one, and an entry two runs both send
 * arrives twice with the same timestamps, which receivers drop as exact duplicates.
 */
export async function claimSpool(state: StateStore, runner: string): Promise<SpoolClaim> {
  const keys = await state.list(prefix(runner));
  const legacy = runner === 'all' ? await state.get(LEGACY_KEY) : undefined;
  const entries = await Promise.all(keys.map((key) => state.get(key)));
  const series: Series[] = [];
  const claimed: string[] = [];
  if (legacy !== undefined) {
    for (const s of decodeSeries(legacy)) series.push(s);
    claimed.push(LEGACY_KEY);
  }
  for (let i = 0; i < keys.length; i++) {
    for (const s of decodeSeries(entries[i])) series.push(s);
    claimed.push(keys[i]!);
  }
  // Entries of runs that overlapped can hold the same series: one series each, samples oldest first, or the receiver
  // would see a later entry's older sample after an earlier entry's newer one and reject it as out of order.
  return { series: mergeSeries(series), keys: claimed };
}

export async function releaseSpool(state: StateStore, claim: SpoolClaim): Promise<void> {
  for (const key of claim.keys) await state.delete(key);
}

export async function spool(state: StateStore, runner: string, series: readonly Series[], nowMs: number): Promise<void> {
  if (series.length === 0) return;
  await state.put(`${prefix(runner)}${String(nowMs).padStart(15, '0')}-${randomUUID()}`, encodeSeries(series));
}

function prefix(runner: string): string {
  return `spool/${runner}/`;
}
