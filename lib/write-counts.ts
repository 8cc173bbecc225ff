import type { WriteOutcome } from './cycle';

/** The counting part of a WriteOutcome: what health totals and a streamed cycle's outcome add up. */
export type WriteCounts = Pick<WriteOutcome, 'samplesSent' | 'samplesFailed' | 'samplesRetried' | 'samplesDropped' | 'requests' | 'bytesSent'>;

/** Adds `from`'s counts to `into`, drop reasons one by one. */
export function addWriteCounts(into: WriteCounts, from: Readonly<WriteCounts>): void {
  into.samplesSent += from.samplesSent;
  into.samplesFailed += from.samplesFailed;
  into.samplesRetried += from.samplesRetried;
  into.requests += from.requests;
  into.bytesSent += from.bytesSent;
  for (const [reason, n] of Object.entries(from.samplesDropped)) into.samplesDropped[reason] = (into.samplesDropped[reason] ?? 0) + n;
}
