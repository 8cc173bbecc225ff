/**
 * When a domain's statement runs. Refreshes are aligned to wall-clock slots of the domain's interval (a 15-minute
 * domain refreshes in the first cycle after :00, :15, :30 and :45 UTC), not "interval since the last refresh": with
 * intervals that divide one another (the defaults 15, 15, 30 and 60 minutes) every due domain falls in the same cycle,
 * so they run back to back in one wake of the warehouse instead of each waking it on its own schedule, and a timer
 * that fires a little late never pushes a refresh into the next cycle.
 */

/** What a cycle does with one domain. */
export type DomainAction =
  /** Its statement runs this cycle. */
  | 'query'
  /** Its cached result is re-emitted. */
  | 'cached'
  /** A missing or ungranted table: skipped for a few cycles. */
  | 'unavailable';

export interface ScheduleState {
  refreshedAtMs?: number;
  hasPoints: boolean;
  /** Cycles left before a domain with a missing table is tried again; 0: tried again at the next wake. */
  unavailableCyclesLeft?: number;
  /** When the table was last found missing. */
  unavailableSinceMs?: number;
}

/** The slot of `atMs` for a domain refreshed every `refreshMs`; a new slot means a refresh is due. */
export function slotOf(atMs: number, refreshMs: number): number {
  return Math.floor(atMs / refreshMs);
}

/** Due: never refreshed, nothing cached, or the wall clock entered a new slot since the refresh. */
export function isDue(state: ScheduleState, nowMs: number, refreshMs: number): boolean {
  if (state.refreshedAtMs === undefined || !state.hasPoints) return true;
  return slotOf(nowMs, refreshMs) !== slotOf(state.refreshedAtMs, refreshMs);
}

/**
 * One cycle's plan, domain by domain (same order as `states`). Counts down the cycles of unavailable domains (mutating
 * `unavailableCyclesLeft`). A domain whose countdown is over is tried again when the warehouse is woken anyway for
 * another domain, or when its own slot comes round, so re-checking a missing table never costs a wake of its own
 * more often than the domain's interval.
 */
export function planCycle(states: ScheduleState[], refreshMs: readonly number[], nowMs: number): DomainAction[] {
  const plan: Array<DomainAction | 'recheck'> = states.map((s, i) => {
    const left = s.unavailableCyclesLeft;
    if (left !== undefined && left > 0) {
      s.unavailableCyclesLeft = left - 1;
      return 'unavailable';
    }
    if (left !== undefined) return slotOf(nowMs, refreshMs[i]!) !== slotOf(s.unavailableSinceMs ?? 0, refreshMs[i]!) ? 'query' : 'recheck';
    return isDue(s, nowMs, refreshMs[i]!) ? 'query' : 'cached';
  });
  const wake = plan.includes('query');
  return plan.map((a) => (a === 'recheck' ? (wake ? 'query' : 'unavailable') : a));
}
