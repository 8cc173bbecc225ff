import type { SparkJob } from '../sources/synapse/discover';

/** Which slice each running application of a workspace belongs to, kept between planning cycles. */
export interface SliceAssignment {
  /** application id → slice index */
  slices: Record<string, number>;
  /** Slices that had applications last cycle: each gets a message even when emptied, to end its series. */
  count: number;
}

/**
 * Sticky slices of at most `perSlice` applications: an application stays in its slice while it runs (so one slice
 * owns its series set from start to end and stale markers are never sent by one instance while another sends live
 * samples), new applications fill the lowest slices with room, and a slice that emptied gets one last message.
 */
export function assignSlices(previous: SliceAssignment, applications: readonly SparkJob[], perSlice: number): { assignment: SliceAssignment; slices: SparkJob[][] } {
  const slices: SparkJob[][] = [];
  const place = (i: number, job: SparkJob) => {
    while (slices.length <= i) slices.push([]);
    slices[i]!.push(job);
  };
  const unplaced: SparkJob[] = [];
  const sorted = [...applications].sort((a, b) => (a.appId! < b.appId! ? -1 : a.appId! > b.appId! ? 1 : 0));
  for (const job of sorted) {
    const at = previous.slices[job.appId!];
    if (at !== undefined && (slices[at]?.length ?? 0) < perSlice) place(at, job);
    else unplaced.push(job);
  }
  let next = 0;
  for (const job of unplaced) {
    while ((slices[next]?.length ?? 0) >= perSlice) next++;
    place(next, job);
  }
  while (slices.length < Math.max(1, previous.count)) slices.push([]);
  const assignment: SliceAssignment = { slices: {}, count: 0 };
  slices.forEach((jobs, i) => {
    for (const j of jobs) assignment.slices[j.appId!] = i;
    if (jobs.length) assignment.count = i + 1;
  });
  return { assignment, slices };
}

export function readAssignment(stored: unknown): SliceAssignment {
  const out: SliceAssignment = { slices: {}, count: 0 };
  if (typeof stored !== 'object' || stored === null) return out;
  const s = stored as { slices?: unknown; count?: unknown };
  if (typeof s.count === 'number' && Number.isSafeInteger(s.count) && s.count >= 0 && s.count < 100_000) out.count = s.count;
  if (typeof s.slices === 'object' && s.slices !== null) {
    for (const [k, v] of Object.entries(s.slices)) if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v < 100_000) out.slices[k] = v;
  }
  return out;
}
