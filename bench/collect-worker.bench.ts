import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { TokenCredential } from '@azure/identity';
import { startLocalReceiver } from '../lib/emulators/receiver';
import { planSynapse } from '../lib/fanout/planner';
import { collectSlice } from '../lib/fanout/worker';
import { silentLogger } from '../lib/log';
import { gc, report } from './timing';

/**
 * Memory of one `collect` invocation: a planned 50-application slice (20 executors each) collected and pushed, as one
 * queue message is on a Function instance. Peak RSS above the process's RSS just before (the runtime's own share is
 * the same for every invocation), and the absolute peak. host.json runs at most batchSize (4) of them at once.
 */
const APPS = 50;
const EXECUTORS = 20;
const staticToken: TokenCredential = { getToken: async () => ({ token: 'bench', expiresOnTimestamp: Date.now() + 3_600_000 }) };

async function main(): Promise<void> {
  const child = spawn(process.execPath, [join(__dirname, 'synapse-emulator-child.js'), String(APPS), String(EXECUTORS), '5'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
  const workspaces = (JSON.parse(line) as { workspaces: string }).workspaces;
  const receiver = await startLocalReceiver({ keep: false });
  const dir = await mkdtemp(join(tmpdir(), 'lakepulse-worker-bench-'));
  try {
    const env = { SYNAPSE_WORKSPACES: workspaces, REMOTE_WRITE_URL: receiver.url, STATE_STORE: `file:${dir}`, LAKEPULSE_INSTANCE: 'bench', SYNAPSE_APPS_PER_MESSAGE: String(APPS) };
    const runs: Array<{ delta: number; peak: number; series: number }> = [];
    for (let i = 0; i < 3; i++) {
      const { messages } = await planSynapse({ env, log: silentLogger, credential: staticToken });
      const message = messages.find((m) => m.applications.length === APPS);
      if (!message) throw new Error(`expected one ${APPS}-application slice, got ${messages.map((m) => m.applications.length).join(',')}`);
      gc();
      const before = process.memoryUsage().rss;
      let peak = before;
      const probe = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
      const result = await collectSlice(message, { env, log: silentLogger, credential: staticToken });
      clearInterval(probe);
      peak = Math.max(peak, process.memoryUsage().rss);
      if (result.outcome !== 'collected' || result.report.failedSamples > 0) throw new Error(`slice not collected cleanly: ${JSON.stringify(result).slice(0, 300)}`);
      runs.push({ delta: (peak - before) / 1e6, peak: peak / 1e6, series: result.report.series });
      await new Promise((r) => setTimeout(r, 1100)); // the next plan is a new cycle (whole seconds)
    }
    const last = runs[runs.length - 1]!;
    report(
      'collect_worker_peak_rss_50_apps_mb',
      last.peak,
      'MB',
      `one collect invocation, ${APPS} applications × ${EXECUTORS} executors, ${last.series} series: RSS rises ${runs.map((r) => r.delta.toFixed(0)).join(', ')} MB over the runs (first is cold); absolute peaks ${runs.map((r) => r.peak.toFixed(0)).join(', ')} MB`,
    );
  } finally {
    child.kill('SIGTERM');
    await receiver.close();
    await rm(dir, { recursive: true, force: true });
  }
}

void main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
