/**
 * How long an auto-stopping warehouse runs for a given pattern of wakes: each wake at `t` keeps it running until
 * `t + busyMs + autoStopMs` (the auto-stop countdown starts when the last statement ends); overlapping spans merge.
 * Returns minutes running inside [fromMs, fromMs + windowMs).
 */
export function runningMinutes(wakesMs: readonly number[], o: { busyMs: number; autoStopMs: number; fromMs: number; windowMs: number }): number {
  const end = o.fromMs + o.windowMs;
  let total = 0;
  let spanStart = -Infinity;
  let spanEnd = -Infinity;
  const close = () => {
    if (spanEnd > spanStart) total += Math.max(0, Math.min(spanEnd, end) - Math.max(spanStart, o.fromMs));
  };
  for (const t of [...wakesMs].sort((a, b) => a - b)) {
    if (t > spanEnd) {
      close();
      spanStart = t;
    }
    spanEnd = Math.max(spanEnd, t + o.busyMs + o.autoStopMs);
  }
  close();
  return total / 60_000;
}

/** Wakes every `intervalMs` from `fromMs - windowMs` (so the window starts in steady state) to the window's end. */
export function periodicWakes(intervalMs: number, fromMs: number, windowMs: number): number[] {
  const out: number[] = [];
  for (let t = fromMs - windowMs; t < fromMs + windowMs; t += intervalMs) out.push(t);
  return out;
}
