import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonSummary, type CliIo } from './cli-report';
import { collectOnce } from './collector';
import { startDatabricksEmulator } from './emulators/databricks';
import { startIdentityEmulator } from './emulators/identity';
import { startLocalReceiver } from './emulators/receiver';
import { startSynapseEmulator } from './emulators/synapse';
import type { Logger } from './log';
import { closeSources } from './sources/registry';

/**
 * `npm start`: the local emulators, one full collection cycle against them exactly as in production
 * (same config parsing, sources, remote write), then a summary of what the local receiver decoded.
 */
export async function runDemo(io: CliIo, log: Logger): Promise<number> {
  const identity = await startIdentityEmulator();
  // @azure/identity reads the managed-identity endpoint from the process environment itself.
  Object.assign(process.env, identity.env);
  const synapse = await startSynapseEmulator({ identity });
  const databricks = await startDatabricksEmulator();
  const receiver = await startLocalReceiver();
  const stateDir = await mkdtemp(join(tmpdir(), 'lakepulse-demo-'));
  try {
    const env = {
      ...identity.env,
      ...synapse.env,
      ...databricks.env,
      REMOTE_WRITE_URL: receiver.url,
      REMOTE_WRITE_AUTH: 'none',
      STATE_STORE: `file:${stateDir}`,
      LAKEPULSE_INSTANCE: 'demo',
    };
    io.stdout('Lakepulse demo: one collection cycle against the built-in emulators (no cloud account needed)\n');
    io.stdout(`  Databricks SQL warehouse emulator  https://${databricks.hostname}:${databricks.port}${databricks.httpPath}\n`);
    io.stdout(`  Synapse workspace emulator         ${synapse.workspaces.map((w) => w.endpoint).join(', ')}\n`);
    io.stdout(`  managed-identity endpoint          ${identity.endpoint}\n`);
    io.stdout(`  remote-write receiver              ${receiver.url}\n\n`);
    const report = await collectOnce({ env, log });
    await closeSources();

    io.stdout('Targets:\n');
    for (const t of report.targets) {
      io.stdout(`  ${t.source.padEnd(10)} ${t.target.padEnd(36)} ${t.up ? 'up  ' : 'DOWN'} ${String(t.series).padStart(7)} series${t.error ? `  (${t.error})` : ''}\n`);
    }
    const received = receiver.series;
    const samples = received.reduce((n, s) => n + s.samples.length, 0);
    io.stdout(`\nPushed ${report.samples} samples in ${report.requests} remote-write requests (${report.failedSamples} not delivered) in ${(report.durationMs / 1000).toFixed(2)} s.\n`);
    io.stdout(`The receiver decoded ${received.length} series / ${samples} samples from ${receiver.requests} requests.\n\n`);
    const families = new Map<string, number>();
    for (const s of received) families.set(s.labels.__name__ ?? '', (families.get(s.labels.__name__ ?? '') ?? 0) + 1);
    io.stdout('Metric families received (series):\n');
    for (const [name, n] of [...families].sort((a, b) => a[0].localeCompare(b[0]))) io.stdout(`  ${name.padEnd(58)} ${n}\n`);
    const pick = (name: string) => received.find((s) => s.labels.__name__ === name);
    io.stdout('\nExamples:\n');
    for (const name of ['databricks_billing_cost_estimate_usd', 'databricks_job_runs_total', 'spark_executor_memoryUsed_bytes', 'synapse_connector_application_info', 'lakepulse_cycle_duration_seconds']) {
      const s = pick(name);
      if (!s) continue;
      const labels = Object.entries(s.labels).filter(([k]) => k !== '__name__').map(([k, v]) => `${k}="${v}"`).join(',');
      io.stdout(`  ${name}{${labels}} ${s.samples[0]?.value}\n`);
    }
    io.stdout(`\n${JSON.stringify(jsonSummary(report))}\n`);
    return received.length > 0 ? 0 : 1;
  } finally {
    await Promise.allSettled([databricks.close(), synapse.close(), identity.close(), receiver.close()]);
    await rm(stateDir, { recursive: true, force: true });
  }
}
