import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createAzureCredential } from '../../../lib/azure/credential';
import { loadConfig } from '../../../lib/config';
import { runCycle } from '../../../lib/cycle';
import { startIdentityEmulator, type IdentityEmulator } from '../../../lib/emulators/identity';
import { startSynapseEmulator, type SynapseEmulator } from '../../../lib/emulators/synapse';
import { silentLogger } from '../../../lib/log';
import { createRemoteWriter } from '../../../lib/remote-write';
import { createSynapseSource } from '../../../lib/sources/synapse';
import { MemoryStateStore } from '../../../lib/state/store';
import { startPrometheus, type PrometheusServer } from '../../support/prometheus';

let identity: IdentityEmulator;
let emu: SynapseEmulator;
let prom: PrometheusServer;
before(async () => {
  identity = await startIdentityEmulator();
  Object.assign(process.env, identity.env);
  emu = await startSynapseEmulator({ identity });
  prom = await startPrometheus();
});
after(async () => {
  await Promise.allSettled([emu.close(), identity.close(), prom.stop()]);
});

test('Synapse executors land in Prometheus; executors and applications that disappear are marked stale', async () => {
  const config = loadConfig({ SYNAPSE_WORKSPACES: emu.env.SYNAPSE_WORKSPACES, REMOTE_WRITE_URL: prom.writeUrl, LAKEPULSE_INSTANCE: 'syn-e2e' });
  const state = new MemoryStateStore();
  const credential = createAzureCredential({});
  const source = createSynapseSource({ credential });
  const writer = createRemoteWriter(config.remoteWrite!, { log: silentLogger });
  const t1 = Date.now() - 60_000;
  const first = await runCycle({ config, sources: [source], state, log: silentLogger, writer, now: () => t1 });
  assert.equal(first.failedSamples, 0);
  assert.deepEqual(first.targets.map((t) => t.up), [1, 1]);

  const apps = emu.data.workspaces[0]!.apps.filter((a) => a.state === 'InProgress' && !a.pool.startsWith('system'));
  const expectedMemory = emu.data.workspaces.flatMap((w) => w.apps.filter((a) => a.state === 'InProgress' && !a.pool.startsWith('system')).flatMap((a) => a.executors.map((e) => e.memoryUsed)));
  const sum = await prom.query('sum(spark_executor_memoryUsed_bytes)', t1 / 1000);
  assert.equal(Number(sum[0]?.value[1]), expectedMemory.reduce((a, b) => a + b, 0), "the connector dashboard's sum(spark_executor_memoryUsed_bytes)");
  const appCount = await prom.query('count(count(synapse_connector_application_info) by (application_id))', t1 / 1000);
  const runningApps = emu.data.workspaces.flatMap((w) => w.apps.filter((a) => a.state === 'InProgress' && a.appId && !a.pool.startsWith('system')));
  assert.equal(Number(appCount[0]?.value[1]), runningApps.length, "the connector dashboard's application count");

  // An executor is removed from one application, and another application ends.
  const [shrinking, ending] = apps;
  const removed = shrinking!.executors.pop()!;
  emu.endApplication('contoso', ending!.appId!, 'Succeeded');
  const t2 = t1 + 30_000;
  const second = await runCycle({ config, sources: [source], state, log: silentLogger, writer, now: () => t2 });
  assert.equal(second.failedSamples, 0);
  const at = (q: string, t: number) => prom.query(q, t / 1000 + 1);
  assert.equal((await at(`spark_executor_memoryUsed_bytes{application_id="${shrinking!.appId}",executor_id="${removed.id}"}`, t1)).length, 1);
  assert.equal((await at(`spark_executor_memoryUsed_bytes{application_id="${shrinking!.appId}",executor_id="${removed.id}"}`, t2)).length, 0, 'the removed executor is stale at once');
  assert.equal((await at(`up{application_id="${ending!.appId}"}`, t2)).length, 0, 'the ended application is stale at once');
  const ended = await at(`synapse_application_ended_info{application_id="${ending!.appId}"}`, t2);
  assert.equal(ended[0]?.metric.result, 'succeeded');
  assert.equal((await at(`spark_executor_memoryUsed_bytes{application_id="${shrinking!.appId}"}`, t2)).length, shrinking!.executors.length);
});
