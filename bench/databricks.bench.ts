import { loadConfig } from '../lib/config';
import { startDatabricksEmulator } from '../lib/emulators/databricks';
import { silentLogger } from '../lib/log';
import { createDatabricksSource } from '../lib/sources/databricks';
import { MemoryStateStore } from '../lib/state/store';
import { report } from './timing';

/**
 * Warehouse statements per hour at the default refresh intervals with a 1-minute timer, counted by the emulator over
 * 60 simulated cycles, against the exporter's ~18 statements per scrape at its recommended 10-minute interval.
 */
const EXPORTER_STATEMENTS_PER_SCRAPE = 18;
const EXPORTER_SCRAPES_PER_HOUR = 6;

async function main(): Promise<void> {
  let clock = Date.now();
  const emu = await startDatabricksEmulator({ now: () => clock });
  const config = loadConfig(emu.env, { dryRun: true });
  const source = createDatabricksSource();
  const state = new MemoryStateStore();
  const times: number[] = [];
  try {
    for (let minute = 0; minute < 60; minute++) {
      const t0 = performance.now();
      await source.collect({ config, log: silentLogger, state, signal: new AbortController().signal, nowMs: clock });
      times.push(performance.now() - t0);
      clock += 60_000;
    }
  } finally {
    await source.close?.();
    await emu.close();
  }
  const ours = emu.stats.statements;
  const exporter = EXPORTER_STATEMENTS_PER_SCRAPE * EXPORTER_SCRAPES_PER_HOUR;
  const refreshing = times[0]!;
  const cached = [...times.slice(1)].sort((a, b) => a - b)[Math.floor((times.length - 1) / 2)]!;
  report('databricks_statements_per_hour', exporter / ours, 'x', `exporter ${exporter}/h (${EXPORTER_STATEMENTS_PER_SCRAPE} per scrape every 10 min) vs lakepulse ${ours}/h (1-minute timer; billing hourly, jobs/pipelines/queries every 5 min)`);
  process.stdout.write(`# databricks_cycle_ms first (all four statements) ${refreshing.toFixed(0)} ms, median of the rest ${cached.toFixed(1)} ms on the built-in data set\n`);
}

void main();
