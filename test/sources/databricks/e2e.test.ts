import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../lib/config';
import { runCycle } from '../../../lib/cycle';
import { startDatabricksEmulator, syntheticDataset, type DatabricksEmulator } from '../../../lib/emulators/databricks';
import { silentLogger } from '../../../lib/log';
import { createRemoteWriter } from '../../../lib/remote-write';
import { createDatabricksSource } from '../../../lib/sources/databricks';
import { MemoryStateStore } from '../../../lib/state/store';
import { startPrometheus, type PrometheusServer } from '../../support/prometheus';
import { expectedMetrics, key } from './reference';

const NOW = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
let emu: DatabricksEmulator;
let prom: PrometheusServer;
before(async () => {
  emu = await startDatabricksEmulator({ now: () => NOW });
  prom = await startPrometheus();
});
after(async () => {
  await Promise.allSettled([emu.close(), prom.stop()]);
});

test('Databricks metrics land in a real Prometheus and read back with PromQL', async () => {
  const config = loadConfig({ ...emu.env, REMOTE_WRITE_URL: prom.writeUrl, LAKEPULSE_INSTANCE: 'dbx-e2e', EXTERNAL_LABELS: 'env=test' });
  const source = createDatabricksSource();
  try {
    const report = await runCycle({ config, sources: [source], state: new MemoryStateStore(), log: silentLogger, writer: createRemoteWriter(config.remoteWrite!, { log: silentLogger }), now: () => NOW });
    assert.equal(report.failedSamples, 0);
    assert.deepEqual(report.targets.map((t) => [t.source, t.up]), [['databricks', 1]]);
  } finally {
    await source.close?.();
  }
  const at = NOW / 1000 + 1;
  const want = expectedMetrics(syntheticDataset(NOW), NOW);
  const jobs = await prom.query('sum by (workspace_id) (databricks_job_runs_total{job="databricks",env="test"})', at);
  assert.ok(jobs.length === 3);
  for (const r of jobs) assert.equal(Number(r.value[1]), want.get(key('databricks_job_runs_total', { workspace_id: r.metric.workspace_id! })));
  const cost = await prom.query('sum(databricks_billing_cost_estimate_usd)', at);
  const wantCost = [...want].filter(([k]) => k.startsWith('databricks_billing_cost_estimate_usd{')).reduce((a, [, v]) => a + v, 0);
  assert.ok(Math.abs(Number(cost[0]?.value[1]) - wantCost) < 1e-6 * wantCost);
  const p95 = await prom.query('databricks_job_run_duration_seconds{quantile="0.95"}', at);
  assert.equal(p95.length, 3);
  assert.equal((await prom.query('databricks_up', at))[0]?.value[1], '1');
  assert.equal((await prom.query('count(databricks_scrape_status == 1)', at))[0]?.value[1], '4');
});
