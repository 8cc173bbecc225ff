import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRuleFile } from '../../tools/azure-rule-groups';
import { collectOnce } from '../../lib/collector';
import { startDatabricksEmulator, type DatabricksEmulator } from '../../lib/emulators/databricks';
import { startIdentityEmulator, type IdentityEmulator } from '../../lib/emulators/identity';
import { startSynapseEmulator, type SynapseEmulator } from '../../lib/emulators/synapse';
import { silentLogger } from '../../lib/log';
import { closeSources } from '../../lib/sources/registry';
import { ratedNonCounters } from '../alerts/promql-rates';
import { startPrometheus, type PrometheusServer } from '../support/prometheus';
import { readRepoFile } from '../support/repo-files';

interface Target { expr: string; refId: string }
interface Panel { type: string; title: string; datasource?: { uid?: string }; targets?: Target[] }
interface Variable { name: string; type: string; query?: string | { query: string }; allValue?: string }
interface Dashboard { uid: string; title: string; panels: Panel[]; templating: { list: Variable[] } }

const DASHBOARDS = ['dashboards/databricks.json', 'dashboards/synapse.json'];
const dashboards = DASHBOARDS.map((f) => ({ file: f, json: JSON.parse(readRepoFile(f)) as Dashboard }));

/** Titles the `lakepulse report` charts share with the dashboards (one PromQL per title). */
const SHARED_TITLES = [
  'Cost per workspace per day (USD)', 'DBUs by SKU per day', 'Job runs', 'Job failure ratio', 'Pipeline runs', 'Pipeline failure ratio',
  'Query p95 duration (s)', 'Query errors', 'Running Synapse applications by pool', 'Executor memory used by pool', 'Collector cycles',
  'Samples pushed and failed', 'Targets down',
];

/** The Synapse Prometheus connector's own dashboard queries (helm/synapse-prometheus-operator/grafana_dashboards). */
const CONNECTOR_QUERIES = [
  'count(count(synapse_connector_application_info) by (application_id))',
  'sum(spark_executor_memoryUsed_bytes)',
  'sum(spark_executor_totalCores)',
  'spark_executor_totalDuration_seconds_total',
  'spark_executor_memoryUsed_bytes{executor_id!="driver"}',
  'sum(spark_executor_memoryUsed_bytes)/sum(spark_executor_maxMemory_bytes)',
  'sum(spark_executor_memoryUsed_bytes{executor_id="driver"})/sum(spark_executor_maxMemory_bytes{executor_id="driver"})',
  'max(rate(spark_executor_totalGCTime_seconds_total[1m]))',
  'spark_executor_activeTasks', 'spark_executor_failedTasks_total', 'spark_executor_completedTasks_total',
  'max_over_time(spark_executor_totalDuration_seconds_total[1h:1m])',
  'rate(spark_executor_totalDuration_seconds_total[2m])',
  'rate(spark_executor_totalShuffleRead_bytes_total[5m])', 'rate(spark_executor_totalShuffleWrite_bytes_total[5m])',
  'rate(spark_executor_totalInputBytes_bytes_total[5m])',
  'synapse_connector_application_queue_duration', 'synapse_connector_application_submit_time', 'synapse_connector_application_running_duration',
];

/** Grafana's variables, as a user who picks "All" has them. */
function substitute(expr: string): string {
  return expr
    .replace(/\$__rate_interval/g, '5m')
    .replace(/\$__range/g, '1h')
    .replace(/\$__interval/g, '1m')
    .replace(/\$\{?(workspace|pool|application|instance)\}?/g, '.*');
}

let identity: IdentityEmulator;
let synapse: SynapseEmulator;
let databricks: DatabricksEmulator;
let prom: PrometheusServer;
let stateDir: string;
let evalAt: number;

before(async () => {
  identity = await startIdentityEmulator();
  // @azure/identity reads the managed-identity endpoint from the process environment.
  Object.assign(process.env, identity.env);
  synapse = await startSynapseEmulator({ identity });
  databricks = await startDatabricksEmulator();
  prom = await startPrometheus();
  stateDir = await mkdtemp(join(tmpdir(), 'lakepulse-dash-'));
  const env = { ...identity.env, ...synapse.env, ...databricks.env, REMOTE_WRITE_URL: prom.writeUrl, REMOTE_WRITE_AUTH: 'none', STATE_STORE: `file:${stateDir}`, LAKEPULSE_INSTANCE: 'dash', EXTERNAL_LABELS: 'cluster=test,region=local' };
  // Two cycles 10 s apart, as two timer runs (counters then have two samples for rate()), stamped just before the
  // last whole minute, and queries evaluated 1 s after it: a subquery's minute-aligned steps ([$__range:1m]) then
  // see the samples, and a [1m] window holds both cycles.
  const boundaryMs = Math.floor(Date.now() / 60_000) * 60_000;
  const first = await collectOnce({ env, log: silentLogger, now: () => boundaryMs - 20_000 });
  assert.equal(first.failedSamples, 0);
  const second = await collectOnce({ env, log: silentLogger, now: () => boundaryMs - 10_000 });
  assert.equal(second.failedSamples, 0);
  assert.ok(second.targets.every((t) => t.up === 1), JSON.stringify(second.targets));
  await closeSources();
  evalAt = boundaryMs / 1000 + 1;
});

after(async () => {
  await Promise.allSettled([prom?.stop(), databricks?.close(), synapse?.close(), identity?.close()]);
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

test('each dashboard has a unique uid, a Prometheus data-source variable used by every panel, and the shared titles', () => {
  assert.equal(new Set(dashboards.map((d) => d.json.uid)).size, dashboards.length);
  const titles = new Set<string>();
  for (const { file, json } of dashboards) {
    assert.ok(json.templating.list.some((v) => v.name === 'datasource' && v.type === 'datasource'), file);
    for (const p of json.panels.filter((x) => x.type !== 'row')) {
      assert.equal(p.datasource?.uid, '${datasource}', `${file}: ${p.title}`);
      assert.ok((p.targets ?? []).length > 0, `${file}: ${p.title} has a query`);
      titles.add(p.title);
    }
  }
  assert.deepEqual(SHARED_TITLES.filter((t) => !titles.has(t)), []);
});

test('a panel title shared by both dashboards has the same queries in both', () => {
  const byTitle = new Map<string, string>();
  for (const { json } of dashboards) {
    for (const p of json.panels.filter((x) => x.type !== 'row')) {
      const exprs = JSON.stringify((p.targets ?? []).map((t) => t.expr));
      const seen = byTitle.get(p.title);
      if (seen !== undefined) assert.equal(exprs, seen, p.title);
      byTitle.set(p.title, exprs);
    }
  }
});

test('no panel applies rate(), irate() or increase() to a windowed gauge', () => {
  for (const { json } of dashboards) for (const p of json.panels) for (const t of p.targets ?? []) assert.deepEqual(ratedNonCounters(t.expr), [], p.title);
});

for (const { file, json } of dashboards) {
  test(`${file}: every template variable has values in the collected data`, async () => {
    for (const v of json.templating.list.filter((x) => x.type === 'query')) {
      const q = typeof v.query === 'string' ? v.query : v.query?.query ?? '';
      const m = /^label_values\((.+),\s*(\w+)\)$/.exec(q);
      assert.ok(m, `${v.name}: ${q}`);
      const series = await prom.query(`count by (${m[2]}) (${substitute(m[1]!)})`, evalAt);
      assert.ok(series.length > 0, `${v.name}: ${q} has no values`);
      assert.equal(v.allValue, '.*', `${v.name}: All matches everything`);
    }
  });

  test(`${file}: every panel query evaluates and returns data`, async () => {
    for (const p of json.panels.filter((x) => x.type !== 'row')) {
      for (const t of p.targets ?? []) {
        const result = await prom.query(substitute(t.expr), evalAt);
        assert.ok(result.length > 0, `"${p.title}" ${t.refId} returned no data: ${t.expr}`);
      }
    }
  });
}

test('Databricks panels still return data 8 minutes after the last cycle, so a 5-minute timer leaves no gaps', async () => {
  const later = evalAt + 8 * 60;
  let checked = 0;
  for (const p of dashboards[0]!.json.panels.filter((x) => x.type !== 'row')) {
    for (const t of (p.targets ?? []).filter((x) => x.expr.includes('databricks_'))) {
      assert.ok((await prom.query(substitute(t.expr), later)).length > 0, `"${p.title}" is empty 8 minutes after the last cycle`);
      checked += 1;
    }
  }
  assert.ok(checked >= 15, `${checked} Databricks queries`);
  // Without last_over_time the same series would be gone after the 5-minute lookback.
  assert.deepEqual(await prom.query('databricks_job_runs_total', later), []);
});

test("the Synapse connector's dashboard queries keep returning data", async () => {
  for (const q of CONNECTOR_QUERIES) assert.ok((await prom.query(q, evalAt)).length > 0, q);
});

test('every alert expression evaluates without error against the collected data', async () => {
  const rules = parseRuleFile(readRepoFile('alerts/lakepulse.rules.yml')).flatMap((g) => g.rules);
  assert.ok(rules.length >= 15);
  for (const r of rules) await prom.query(r.expr, evalAt);
  // The synthetic data has a pipeline whose last completed update is days old: the freshness alert's condition holds.
  const stale = rules.find((r) => r.alert === 'DatabricksPipelineNotFresh')!;
  assert.ok((await prom.query(stale.expr, evalAt)).length > 0);
  // and the collector is healthy: no target-down condition.
  const down = rules.find((r) => r.alert === 'LakepulseTargetDown')!;
  assert.deepEqual(await prom.query(down.expr, evalAt), []);
});
