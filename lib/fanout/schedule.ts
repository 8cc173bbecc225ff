/** What a timer invocation knows of its schedule (the shape of `Timer.scheduleStatus` in @azure/functions). */
export interface ScheduleStatus {
  last?: string;
  next?: string;
}

const DEFAULT_INTERVAL_MS = 5 * 60_000;

/**
 * The timer's interval: from the host's schedule status (next − last) when it has one, else from the common
 * NCRONTAB forms of the schedule setting (`0 *\/5 * * * *`, `*\/30 * * * * *`, `0 0 * * * *`), else 5 minutes.
 */
export function scheduleIntervalMs(status: ScheduleStatus | undefined, schedule: string | undefined): number {
  const last = Date.parse(status?.last ?? '');
  const next = Date.parse(status?.next ?? '');
  if (Number.isFinite(last) && Number.isFinite(next) && next > last && next - last <= 86_400_000) return next - last;
  const fields = schedule?.trim().split(/\s+/);
  if (fields?.length === 6) {
    const [sec, min, hour] = fields as [string, string, string];
    const every = (f: string) => /^(\*|0)\/(\d+)$/.exec(f)?.[2];
    if (every(sec)) return Number(every(sec)) * 1000;
    if (sec === '*') return 1000;
    if (every(min)) return Number(every(min)) * 60_000;
    if (min === '*') return 60_000;
    if (every(hour)) return Number(every(hour)) * 3_600_000;
    if (hour === '*') return 3_600_000;
  }
  return DEFAULT_INTERVAL_MS;
}
