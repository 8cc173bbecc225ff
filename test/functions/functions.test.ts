import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvocationContext, type Timer } from '@azure/functions';
import { databricksTimer } from '../../functions/databricks';
import { synapseTimer } from '../../functions/synapse';
import { startDatabricksEmulator, type DatabricksEmulator } from '../../lib/emulators/databricks';
import { startIdentityEmulator } from '../../lib/emulators/identity';
import { startSynapseEmulator } from '../../lib/emulators/synapse';
import { startPrometheus, type PrometheusServer } from '../support/prometheus';

let prom: PrometheusServer;
let databricks: DatabricksEmulator;
let closeSynapse: () => Promise<void>;
let closeIdentity: () => Promise<void>;
let stateDir: string;

before(async () => {
  prom = await startPrometheus();
  const identity = await startIdentityEmulator();
  closeIdentity = identity.close;
  const synapse = await startSynapseEmulator({ identity });
  closeSynapse = synapse.close;
  databricks = await startDatabricksEmulator();
  stateDir = await mkdtemp(join(tmpdir(), 'lakepulse-fn-'));
  // App settings reach a Function App as environment variables.
  Object.assign(process.env, identity.env, synapse.env, databricks.env, {
    REMOTE_WRITE_URL: prom.writeUrl,
    STATE_STORE: `file:${stateDir}`,
    LAKEPULSE_INSTANCE: 'func-test',
  });
});

after(async () => {
  await Promise.allSettled([prom.stop(), databricks.close(), closeSynapse(), closeIdentity()]);
  await rm(stateDir, { recursive: true, force: true });
});

const timer: Timer = { isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: { last: '', next: '', lastUpdated: '' } };

function context(name: string): InvocationContext & { lines: string[] } {
  const lines: string[] = [];
  const ctx = new InvocationContext({ invocationId: `test-${name}`, functionName: name, logHandler: (level, ...args) => void lines.push(`${level} ${args.join(' ')}`) });
  return Object.assign(ctx, { lines });
}

test('the databricks timer function runs one cycle that lands in Prometheus', async () => {
  const ctx = context('databricks');
  await databricksTimer(timer, ctx);
  assert.ok(ctx.lines.some((l) => l.includes('cycle finished')), ctx.lines.join('\n'));
  const up = await prom.query('databricks_up');
  assert.equal(up[0]?.value[1], '1');
  assert.equal(up[0]?.metric.job, 'databricks');
  const health = await prom.query('lakepulse_target_up{source="databricks",instance="func-test"}');
  assert.equal(health[0]?.value[1], '1');
});

test('the synapse timer function runs one cycle that lands in Prometheus', async () => {
  const ctx = context('synapse');
  await synapseTimer(timer, ctx);
  assert.ok(ctx.lines.some((l) => l.includes('cycle finished')), ctx.lines.join('\n'));
  const memory = await prom.query('count(spark_executor_memoryUsed_bytes)');
  assert.ok(Number(memory[0]?.value[1]) > 0);
  const health = await prom.query('lakepulse_target_up{source="synapse"}');
  assert.ok(health.length >= 1);
});

test('a configuration error fails the invocation and names the variable', async () => {
  const saved = process.env.REMOTE_WRITE_TIMEOUT_MS;
  process.env.REMOTE_WRITE_TIMEOUT_MS = 'never';
  try {
    await assert.rejects(databricksTimer(timer, context('databricks')), /REMOTE_WRITE_TIMEOUT_MS/);
  } finally {
    if (saved === undefined) delete process.env.REMOTE_WRITE_TIMEOUT_MS;
    else process.env.REMOTE_WRITE_TIMEOUT_MS = saved;
  }
});
