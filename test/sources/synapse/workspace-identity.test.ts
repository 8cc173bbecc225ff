import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../lib/cli';
import { loadConfig } from '../../../lib/config';
import { builtinSynapseDataset, startSynapseEmulator, type SynapseEmulator } from '../../../lib/emulators/synapse';
import { ConfigError } from '../../../lib/errors';
import { silentLogger } from '../../../lib/log';
import { identityForSuite } from '../../support/identity';
import { startPrometheus, type PrometheusServer } from '../../support/prometheus';

const identity = identityForSuite();
/** Two workspaces with the very same applications, each at the root of its own port: only the port tells them apart. */
let a: SynapseEmulator;
let b: SynapseEmulator;
let prom: PrometheusServer;
let stateDir: string;
before(async () => {
  const t = Date.now();
  a = await startSynapseEmulator({ identity, data: builtinSynapseDataset(t), rootWorkspace: 'contoso' });
  b = await startSynapseEmulator({ identity, data: builtinSynapseDataset(t), rootWorkspace: 'contoso' });
  prom = await startPrometheus();
  stateDir = await mkdtemp(join(tmpdir(), 'lakepulse-ws-identity-'));
});
after(async () => {
  await Promise.allSettled([a.close(), b.close(), prom.stop()]);
  await rm(stateDir, { recursive: true, force: true });
});

const hostOf = (emu: SynapseEmulator) => new URL(emu.baseUrl).host; // 127.0.0.1:<port>

async function runOnce(): Promise<{ code: number; targets: Array<{ source: string; target: string; up: number; series: number }>; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const env = { SYNAPSE_WORKSPACES: `${a.baseUrl},${b.baseUrl}`, REMOTE_WRITE_URL: prom.writeUrl, STATE_STORE: `file:${stateDir}`, LAKEPULSE_INSTANCE: 'ws-identity' };
  const code = await runCli(['run', '--once', '--json', '--source', 'synapse'], { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env, log: silentLogger });
  const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as { targets: Array<{ source: string; target: string; up: number; series: number }> };
  return { code, targets: summary.targets, stderr };
}

test('endpoints that differ only by port are named host:port; a default workspace URL keeps its name', () => {
  const names = (list: string) => loadConfig({ SYNAPSE_WORKSPACES: list }, { dryRun: true }).synapse!.workspaces.map((w) => w.name);
  assert.deepEqual(names('http://127.0.0.1:9001,http://127.0.0.1:9002/'), ['127.0.0.1:9001', '127.0.0.1:9002']);
  assert.deepEqual(names('contoso,https://fabrikam.dev.azuresynapse.net:443/,https://northwind.dev.azuresynapse.net'), ['contoso', 'fabrikam', 'northwind']);
  assert.deepEqual(names('https://Contoso.dev.azuresynapse.net:8443,http://localhost:8080/ws/local,http://[::1]:9003'), ['contoso:8443', 'local', '[::1]:9003']);
});

test('two entries that would share a name are a configuration error naming SYNAPSE_WORKSPACES', () => {
  for (const [list, message] of [
    ['contoso,https://contoso.dev.azuresynapse.net', /lists https:\/\/contoso\.dev\.azuresynapse\.net twice/],
    ['http://127.0.0.1:9001/ws/x,http://127.0.0.1:9002/ws/x', /would both be workspace "x"/],
  ] as const) {
    assert.throws(
      () => loadConfig({ SYNAPSE_WORKSPACES: list }, { dryRun: true }),
      (err: unknown) => err instanceof ConfigError && err.variable === 'SYNAPSE_WORKSPACES' && message.test(err.message),
      list,
    );
  }
});

test('workspaces on two ports of 127.0.0.1 are two targets: names, jobs, --json targets, state and stale markers stay apart', async () => {
  const first = await runOnce();
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(first.targets.map((t) => [t.source, t.target, t.up]), [['synapse', hostOf(a), 1], ['synapse', hostOf(b), 1]]);
  assert.equal(first.targets[0]!.series, first.targets[1]!.series, 'the same data yields the same series on both');

  const ups = await prom.query('count by (job, instance, workspace_name) (up{job=~"synapse-workspace-.+"})');
  const groups = ups.map((r) => [r.metric.job, r.metric.instance, r.metric.workspace_name, Number(r.value[1])]).sort();
  const running = a.data.workspaces.find((w) => w.name === 'contoso')!.apps.filter((x) => x.state === 'InProgress' && x.appId !== null && !x.pool.startsWith('systemreservedpool-'));
  assert.deepEqual(groups, [
    [`synapse-workspace-${hostOf(a)}`, hostOf(a), hostOf(a), running.length],
    [`synapse-workspace-${hostOf(b)}`, hostOf(b), hostOf(b), running.length],
  ].sort());
  const executors = running.reduce((n, x) => n + x.executors.length, 0);
  const memory = await prom.query('count by (workspace_name) (spark_executor_memoryUsed_bytes)');
  assert.deepEqual(memory.map((r) => Number(r.value[1])), [executors, executors], "each workspace's executors are its own series");

  const sets = (await readdir(join(stateDir, 'series-sets', 'synapse'))).sort();
  assert.deepEqual(sets, [`${encodeURIComponent(hostOf(a))}.json`, `${encodeURIComponent(hostOf(b))}.json`].sort(), 'one series set per workspace');

  // The same application ends on the first workspace only: only the first workspace's series of it go stale.
  const ending = running[0]!;
  a.endApplication('contoso', ending.appId!);
  const second = await runOnce();
  assert.equal(second.code, 0, second.stderr);
  const upOf = await prom.query(`up{application_id="${ending.appId}"}`);
  assert.deepEqual(upOf.map((r) => r.metric.workspace_name), [hostOf(b)], 'the stale marker reaches the first workspace only');
  const ended = await prom.query(`synapse_application_ended_info{application_id="${ending.appId}"}`);
  assert.deepEqual(ended.map((r) => r.metric.workspace_name), [hostOf(a)]);
  const discoveries = await prom.query('synapse_connector_application_discovery_count');
  assert.deepEqual(discoveries.map((r) => [r.metric.workspace_name, Number(r.value[1])]).sort(), [[hostOf(a), 2], [hostOf(b), 2]].sort(), 'each keeps its own counter');
});
