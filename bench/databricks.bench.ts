import { loadConfig } from '../lib/config';
import { startDatabricksEmulator } from '../lib/emulators/databricks';
import { silentLogger } from '../lib/log';
import { createDatabricksSource } from '../lib/sources/databricks';
import { MemoryStateStore } from '../lib/state/store';
import { periodicWakes, runningMinutes } from './databricks-uptime';
import { report } from './timing';

/**
 * The collector's own cost to the warehouse at the default refresh intervals with a 1-minute timer: statements and
 * wakes (cycles that ran at least one statement) counted by the emulator over MEASURED_HOURS simulated hours after a
 * first one that settles a start at an arbitrary minute, per hour on average (a single hour gives 4 or 5 wakes by
 * where its edges fall against the 15-minute slots and the timer's lateness), against the exporter at its shortest recommended scrape
 * interval, 10 minutes, ~18 statements per scrape (a `select 1` ping included). Then what those wakes keep an
 * auto-stopping warehouse running, for 5- and 10-minute auto-stop, assuming each wake keeps it busy a minute
 * (warehouse start plus the statements; the exporter's README gives 30–120 s per scrape).
 */
const EXPORTER_STATEMENTS_PER_SCRAPE = 18;
const EXPORTER_SCRAPE_INTERVAL_MS = 10 * 60_000;
const HOUR_MS = 3_600_000;
const MEASURED_HOURS = 6;
const BUSY_PER_WAKE_MS = 60_000;
/** A 2X-Small SQL warehouse, serverless or not: 4 DBU per hour running. */
const DBU_PER_HOUR_2XS = 4;

async function main(): Promise<void> {
  // An arbitrary start (not on a slot boundary), as a deployment starts whenever it is deployed.
  let clock = Math.floor(Date.now() / 60_000) * 60_000 + 7 * 60_000 + 13_000;
  const emu = await startDatabricksEmulator({ now: () => clock });
  const config = loadConfig(emu.env, { dryRun: true });
  const source = createDatabricksSource();
  const state = new MemoryStateStore();
  const times: number[] = [];
  const wakeTimes: number[] = [];
  let statements = 0;
  const measureFrom = clock + HOUR_MS;
  try {
    for (let minute = 0; minute < 60 * (1 + MEASURED_HOURS); minute++) {
      const before = emu.stats.statements;
      const t0 = performance.now();
      await source.collect({ config, log: silentLogger, state, signal: new AbortController().signal, nowMs: clock });
      times.push(performance.now() - t0);
      const ran = emu.stats.statements - before;
      if (clock >= measureFrom) {
        statements += ran;
        if (ran > 0) wakeTimes.push(clock);
      }
      clock += 60_000 + ((minute * 7919) % 900); // a timer that fires up to 0.9 s late
    }
  } finally {
    await source.close?.();
    await emu.close();
  }
  const exporterStatements = EXPORTER_STATEMENTS_PER_SCRAPE * (HOUR_MS / EXPORTER_SCRAPE_INTERVAL_MS);
  const exporterWakes = HOUR_MS / EXPORTER_SCRAPE_INTERVAL_MS;
  const perHour = (n: number) => n / MEASURED_HOURS;
  const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));
  report(
    'databricks_statements_per_hour',
    exporterStatements / perHour(statements),
    'x',
    `exporter ${exporterStatements}/h (${EXPORTER_STATEMENTS_PER_SCRAPE} per scrape every 10 min) vs lakepulse ${fmt(perHour(statements))}/h over ${MEASURED_HOURS} hours (1-minute timer; billing 60, jobs 15, pipelines 15, queries 30 min)`,
  );
  report('databricks_wakes_per_hour', exporterWakes / perHour(wakeTimes.length), 'x', `exporter ${exporterWakes}/h vs lakepulse ${fmt(perHour(wakeTimes.length))}/h over ${MEASURED_HOURS} hours (every due domain in one cycle, on 15-minute wall-clock slots)`);

  for (const autoStopMin of [5, 10]) {
    const window = MEASURED_HOURS * HOUR_MS;
    const o = { busyMs: BUSY_PER_WAKE_MS, autoStopMs: autoStopMin * 60_000, fromMs: measureFrom, windowMs: window };
    // The hour before the window ran too (a warehouse running into it counts): shifted wakes of the first hour stand for it.
    const before = wakeTimes.filter((t) => t < measureFrom + HOUR_MS).map((t) => t - HOUR_MS);
    const ours = runningMinutes([...before, ...wakeTimes], o) / MEASURED_HOURS;
    const exporter = runningMinutes(periodicWakes(EXPORTER_SCRAPE_INTERVAL_MS, measureFrom, window), o) / MEASURED_HOURS;
    const dbu = (min: number) => ((min / 60) * DBU_PER_HOUR_2XS * 24).toFixed(1);
    process.stdout.write(
      `# auto-stop ${autoStopMin} min, 1 min busy per wake: warehouse running lakepulse ${ours.toFixed(0)} min/h (${dbu(ours)} DBU/day on 2X-Small), exporter ${exporter.toFixed(0)} min/h (${dbu(exporter)} DBU/day)\n`,
    );
  }
  const sorted = [...times].sort((a, b) => a - b);
  process.stdout.write(`# databricks_cycle_ms max (a refresh) ${sorted.at(-1)!.toFixed(0)} ms, median (cached) ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms on the built-in data set\n`);
}

void main();
