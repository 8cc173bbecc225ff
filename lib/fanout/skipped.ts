import type { StateStore } from '../state/store';

/** Queue messages a worker did not collect, by reason; the planner reports them. */
export const SKIPPED_KEY = 'fanout/skipped';
export type SkipReason = 'expired' | 'duplicate' | 'malformed' | 'unknown_workspace';

export function readSkipped(stored: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (typeof stored !== 'object' || stored === null) return out;
  for (const [k, v] of Object.entries(stored)) if (typeof v === 'number' && Number.isFinite(v) && v >= 0) out[k] = v;
  return out;
}

export async function countSkipped(state: StateStore, reason: SkipReason): Promise<void> {
  await state.update(SKIPPED_KEY, (stored) => {
    const s = readSkipped(stored);
    s[reason] = (s[reason] ?? 0) + 1;
    return { value: s, result: undefined };
  });
}
