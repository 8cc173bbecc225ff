import type { TokenCredential } from '@azure/identity';
import { loadConfig } from '../lib/config';
import { runCycle } from '../lib/cycle';
import { startLocalReceiver } from '../lib/emulators/receiver';
import { httpRequest, type HttpRequest } from '../lib/http/request';
import { silentLogger } from '../lib/log';
import { createRemoteWriter } from '../lib/remote-write';
import { createSynapseSource } from '../lib/sources/synapse';
import { MemoryStateStore } from '../lib/state/store';
import { baselineCycle } from './synapse-baseline';
import { startEmulatorProcess } from './synapse-emulator-process';
import { report } from './timing';

const APPS = 200;
const EXECUTORS = 20;
const LATENCY_MS = 50;
const CONCURRENCY = 16;
const FAR_RECEIVER_MS = 50;
const staticToken: TokenCredential = { getToken: async () => ({ token: 'bench', expiresOnTimestamp: Date.now() + 3_600_000 }) };

async function main(): Promise<void> {
  const emu = await startEmulatorProcess(APPS, EXECUTORS, LATENCY_MS);
  const receiver = await startLocalReceiver({ keep: false });
  try {
    const config = loadConfig({ SYNAPSE_WORKSPACES: emu.workspaces, REMOTE_WRITE_URL: receiver.url, SYNAPSE_CONCURRENCY: String(CONCURRENCY), LAKEPULSE_INSTANCE: 'bench' });
    let requests = 0;
    const countingRequest: HttpRequest = (url, options) => {
      requests++;
      return httpRequest(url, options);
    };
    const source = createSynapseSource({ credential: staticToken, request: countingRequest });
    const writer = createRemoteWriter(config.remoteWrite!, { log: silentLogger, lanes: 4 }); // as lib/collector.ts
    // Warm-up cycle (connections, JIT), then the measured one.
    await runCycle({ config, sources: [source], state: new MemoryStateStore(), log: silentLogger, writer });
    const requestsBefore = receiver.requests;
    requests = 0;
    const t0 = performance.now();
    const r = await runCycle({ config, sources: [source], state: new MemoryStateStore(), log: silentLogger, writer });
    const ours = performance.now() - t0;
    const pushRequests = receiver.requests - requestsBefore;
    const rssMb = process.resourceUsage().maxRSS / 1024;
    // Requests this (warm) cycle made: list pages, the ended list, one text per app; /executors JSON only for
    // executors whose add time the source does not know yet (none in a warm cycle without new executors).
    const ideal = (requests * LATENCY_MS) / CONCURRENCY;
    await baselineCycle(emu.workspaces, receiver.url, CONCURRENCY);
    const t1 = performance.now();
    const baseSamples = await baselineCycle(emu.workspaces, receiver.url, CONCURRENCY);
    const base = performance.now() - t1;
    report('synapse_cycle_vs_ideal', ours / ideal, 'x', `cycle ${ours.toFixed(0)} ms for ${APPS} apps x ${EXECUTORS} executors (${r.series} series, ${pushRequests} remote-write requests); ideal ${ideal.toFixed(0)} ms = ${requests} Synapse requests x ${LATENCY_MS} ms / ${CONCURRENCY}; includes encoding and pushing through lib/remote-write; goal <= 1.5`);
    report('synapse_cycle_vs_baseline', base / ours, 'x', `parse-prometheus-text-format + prometheus-remote-write ${base.toFixed(0)} ms for ${baseSamples} samples (text only, Spark's label separator normalised for its parser, one push per app) vs ours ${ours.toFixed(0)} ms; goal >= 3`);
    process.stdout.write(`# peak_rss_mb ${rssMb.toFixed(0)} (collector process after our cycle, emulator in its own process; goal < 300)\n`);
    // The same cycle against a receiver 50 ms away (a managed Prometheus over the network, not on loopback).
    const far = await startLocalReceiver({ keep: false, delayMs: FAR_RECEIVER_MS });
    try {
      const farConfig = loadConfig({ SYNAPSE_WORKSPACES: emu.workspaces, REMOTE_WRITE_URL: far.url, SYNAPSE_CONCURRENCY: String(CONCURRENCY), LAKEPULSE_INSTANCE: 'bench' });
      const farWriter = createRemoteWriter(farConfig.remoteWrite!, { log: silentLogger, lanes: 4 });
      await runCycle({ config: farConfig, sources: [source], state: new MemoryStateStore(), log: silentLogger, writer: farWriter });
      const t2 = performance.now();
      await runCycle({ config: farConfig, sources: [source], state: new MemoryStateStore(), log: silentLogger, writer: farWriter });
      process.stdout.write(`# with the receiver ${FAR_RECEIVER_MS} ms away: cycle ${(performance.now() - t2).toFixed(0)} ms (${far.requests} requests in both cycles)\n`);
    } finally {
      await far.close();
    }
  } finally {
    emu.stop();
    await receiver.close();
  }
}

void main();
