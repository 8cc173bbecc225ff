import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { TokenCredential } from '@azure/identity';
import { loadConfig } from '../lib/config';
import { runCycle } from '../lib/cycle';
import { startLocalReceiver } from '../lib/emulators/receiver';
import { silentLogger } from '../lib/log';
import { createRemoteWriter } from '../lib/remote-write';
import { createSynapseSource } from '../lib/sources/synapse';
import { MemoryStateStore } from '../lib/state/store';
import { report } from './timing';

// Baselines: the npm packages a hand-rolled collector would use (never dependencies of lib/).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const parseText = require('parse-prometheus-text-format') as (text: string) => Array<{ name: string; metrics: Array<{ value: string; labels?: Record<string, string> }> }>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const prw = require('prometheus-remote-write') as { pushTimeseries(ts: unknown[], options: Record<string, unknown>): Promise<{ status: number }> };

const APPS = 200;
const EXECUTORS = 20;
const LATENCY_MS = 50;
const CONCURRENCY = 16;
const staticToken: TokenCredential = { getToken: async () => ({ token: 'bench', expiresOnTimestamp: Date.now() + 3_600_000 }) };

async function startEmulatorProcess(): Promise<{ workspaces: string; stop(): void }> {
  const child = spawn(process.execPath, [join(__dirname, 'synapse-emulator-child.js'), String(APPS), String(EXECUTORS), String(LATENCY_MS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
  return { workspaces: (JSON.parse(line) as { workspaces: string }).workspaces, stop: () => child.kill('SIGTERM') };
}

async function limited<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

/** The same work with parse-prometheus-text-format and prometheus-remote-write: discover, scrape text, push. */
async function baseline(endpoint: string, writeUrl: string): Promise<number> {
  const jobs: Array<{ sparkPoolName: string; livyId: string; sparkApplicationId: string; name: string }> = [];
  for (let skip = 0; ; ) {
    const res = await fetch(`${endpoint}/monitoring/workloadTypes/spark/applications?api-version=2019-11-01-preview&skip=${skip}&filter=${encodeURIComponent("(state eq 'submitting') or (state eq 'inprogress')")}`, { headers: { Authorization: 'Bearer x' } });
    const body = (await res.json()) as { nJobs: number; sparkJobs: typeof jobs };
    jobs.push(...body.sparkJobs);
    skip += body.sparkJobs.length;
    if (skip >= body.nJobs || body.sparkJobs.length === 0) break;
  }
  let samples = 0;
  await limited(jobs, CONCURRENCY, async (job) => {
    const url = `${endpoint}/livyApi/versions/2019-11-01-preview/sparkpools/${job.sparkPoolName}/sessions/${job.livyId}/applications/${job.sparkApplicationId}/metrics/executors/prometheus?format=html`;
    const text = await (await fetch(url, { headers: { Authorization: 'Bearer x' } })).text();
    // parse-prometheus-text-format rejects Spark's `", "` label separator: the baseline normalises it first.
    const timeseries = parseText(text.replace(/", /g, '",')).flatMap((family) =>
      family.metrics.map((m) => ({
        labels: { __name__: family.name.replace(/^metrics_/, 'spark_'), ...m.labels, workspace_name: 'loadtest', spark_pool_name: job.sparkPoolName, livy_id: job.livyId, name: job.name },
        samples: [{ value: Number(m.value), timestamp: Date.now() }],
      })),
    );
    samples += timeseries.length;
    const r = await prw.pushTimeseries(timeseries, { url: writeUrl, fetch, headers: { 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0' } });
    if (r.status >= 300) throw new Error(`baseline push failed: ${r.status}`);
  });
  return samples;
}

async function main(): Promise<void> {
  const emu = await startEmulatorProcess();
  const receiver = await startLocalReceiver({ keep: false });
  try {
    const config = loadConfig({ SYNAPSE_WORKSPACES: emu.workspaces, REMOTE_WRITE_URL: receiver.url, SYNAPSE_CONCURRENCY: String(CONCURRENCY), LAKEPULSE_INSTANCE: 'bench' });
    let requests = 0;
    const countingFetch: typeof fetch = (input, init) => {
      requests++;
      return fetch(input, init);
    };
    const source = createSynapseSource({ credential: staticToken, fetch: countingFetch });
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
    await baseline(emu.workspaces, receiver.url);
    const t1 = performance.now();
    const baseSamples = await baseline(emu.workspaces, receiver.url);
    const base = performance.now() - t1;
    report('synapse_cycle_vs_ideal', ours / ideal, 'x', `cycle ${ours.toFixed(0)} ms for ${APPS} apps x ${EXECUTORS} executors (${r.series} series, ${pushRequests} remote-write requests); ideal ${ideal.toFixed(0)} ms = ${requests} Synapse requests x ${LATENCY_MS} ms / ${CONCURRENCY}; includes encoding and pushing through lib/remote-write; goal <= 1.5`);
    report('synapse_cycle_vs_baseline', base / ours, 'x', `parse-prometheus-text-format + prometheus-remote-write ${base.toFixed(0)} ms for ${baseSamples} samples (text only, Spark's label separator normalised for its parser, one push per app) vs ours ${ours.toFixed(0)} ms; goal >= 3`);
    process.stdout.write(`# peak_rss_mb ${rssMb.toFixed(0)} (collector process after our cycle, emulator in its own process; goal < 300)\n`);
  } finally {
    emu.stop();
    await receiver.close();
  }
}

void main();
