import type { TokenCredential } from '@azure/identity';
import { loadConfig } from '../lib/config';
import { runCycle } from '../lib/cycle';
import { silentLogger } from '../lib/log';
import { createRemoteWriter } from '../lib/remote-write';
import { createSynapseSource } from '../lib/sources/synapse';
import { MemoryStateStore } from '../lib/state/store';

/**
 * One collector process for synapse-scaling.bench.ts: a warm-up cycle, then the measured one with the warm-up's state
 * (so it compares against a previous series set, as in steady state). Prints `{ms, series, peakRssMb}`; the peak RSS is
 * the whole process's, both cycles included.
 */
const staticToken: TokenCredential = { getToken: async () => ({ token: 'bench', expiresOnTimestamp: Date.now() + 3_600_000 }) };

async function main(): Promise<void> {
  const [workspaces, writeUrl, concurrency] = process.argv.slice(2);
  const config = loadConfig({ SYNAPSE_WORKSPACES: workspaces!, REMOTE_WRITE_URL: writeUrl!, SYNAPSE_CONCURRENCY: concurrency ?? '16', LAKEPULSE_INSTANCE: 'bench' });
  const source = createSynapseSource({ credential: staticToken });
  const writer = createRemoteWriter(config.remoteWrite!, { log: silentLogger, lanes: 4 }); // as lib/collector.ts
  const state = new MemoryStateStore();
  await runCycle({ config, sources: [source], state, log: silentLogger, writer, now: () => Date.now() - 30_000 });
  const t0 = performance.now();
  const r = await runCycle({ config, sources: [source], state, log: silentLogger, writer });
  const ms = performance.now() - t0;
  if (r.failedSamples > 0) throw new Error(`${r.failedSamples} samples not delivered`);
  process.stdout.write(`${JSON.stringify({ ms, series: r.series, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
