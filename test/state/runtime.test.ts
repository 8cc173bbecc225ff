import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../../lib/cli';
import { loadConfig } from '../../lib/config';
import { runCycle } from '../../lib/cycle';
import { startIdentityEmulator } from '../../lib/emulators/identity';
import { startSynapseEmulator, type SynapseEmulator } from '../../lib/emulators/synapse';
import { memoryLogger, silentLogger } from '../../lib/log';
import { createRemoteWriter } from '../../lib/remote-write';
import type { Series } from '../../lib/series';
import type { CollectContext, Source, TargetResult } from '../../lib/sources/source';
import { openStateStore } from '../../lib/state/open';
import { forSuite } from '../support/suite';
import { startAzurite } from '../support/azurite';
import { freePort } from '../support/ports';
import { startPrometheus } from '../support/prometheus';

const prom = forSuite(startPrometheus, (p) => p.stop());
const azurite = forSuite(startAzurite, (a) => a.stop());
const identity = forSuite(() => startIdentityEmulator(), (i) => i.close());
const synapse = forSuite(() => startSynapseEmulator({ identity }), (s) => s.close());
const CLI = join(__dirname, '../../lib/cli-main.js');
const noCredential = { getToken: async () => null };
let containers = 0;
const container = () => azurite.containerUrl(`runtime-${process.pid}-${++containers}`);
const store = (url: string) => openStateStore(url, { env: {}, credential: noCredential, log: silentLogger });

// @azure/identity reads the managed-identity endpoint from the process environment (in-process runCli below).
const setIdentity = () => Object.assign(process.env, identity.env);

function env(state: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...identity.env, SYNAPSE_WORKSPACES: (synapse as SynapseEmulator).env.SYNAPSE_WORKSPACES, REMOTE_WRITE_URL: prom.writeUrl, STATE_STORE: state, LAKEPULSE_INSTANCE: 'runtime-test', ...extra };
}

async function cliProcess(args: string[], settings: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...settings } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('state survives a fresh process: counters accumulate and a vanished executor is marked stale across two runs on the blob store', async () => {
  const state = container();
  const first = await cliProcess(['run', '--once', '--source', 'synapse', '--json'], env(state, { EXTERNAL_LABELS: 'run=fresh' }));
  assert.equal(first.code, 0, first.stderr);
  const emu = synapse as SynapseEmulator;
  const ws = emu.data.workspaces[0]!;
  const app = ws.apps.find((a) => a.executors.length > 1 && a.appId)!;
  const gone = app.executors[app.executors.length - 1]!.id;
  emu.removeExecutor(ws.name, app.appId!, gone);
  await new Promise((r) => setTimeout(r, 1100));
  const second = await cliProcess(['run', '--once', '--source', 'synapse', '--json'], env(state, { EXTERNAL_LABELS: 'run=fresh' }));
  assert.equal(second.code, 0, second.stderr);
  const cycles = await prom.query('lakepulse_cycles_total{run="fresh",runner="synapse"}');
  assert.equal(cycles[0]?.value[1], '2', 'the second process continued the first one\'s counter');
  const left = await prom.query(`spark_executor_memoryUsed_bytes{run="fresh",application_id="${app.appId}",executor_id="${gone}"}`);
  assert.deepEqual(left, [], 'the stale marker from the second process ended the series at once');
  const still = await prom.query(`spark_executor_memoryUsed_bytes{run="fresh",application_id="${app.appId}"}`);
  assert.ok(still.length >= 1);
});

function scripted(name: string, value: number): Source {
  return {
    name: 'databricks',
    async collect(ctx: CollectContext): Promise<TargetResult[]> {
      const series: Series[] = [{ labels: { __name__: name, job: 'runtime', instance: 'h' }, samples: [{ value, timestampMs: ctx.nowMs }] }];
      return [{ source: 'databricks', target: 'h', up: true, series }];
    },
  };
}

/**
 * Cycles of one runner on a fresh container, writing `metric`: into a receiver that refuses connections (`dead`), or
 * into the suite's Prometheus (`live`). The writer's clock is the cycle's.
 */
async function scriptedRunner(runner: string, metric: string) {
  const url = container();
  const dead = loadConfig({ REMOTE_WRITE_URL: `http://127.0.0.1:${await freePort()}/api/v1/write`, REMOTE_WRITE_MAX_RETRY_MS: '200', LAKEPULSE_INSTANCE: runner, STATE_STORE: url });
  const live = loadConfig({ REMOTE_WRITE_URL: prom.writeUrl, LAKEPULSE_INSTANCE: runner, STATE_STORE: url });
  const cycle = (to: 'dead' | 'live', value: number, at: number, name = metric) => {
    const cfg = to === 'dead' ? dead : live;
    return runCycle({ config: cfg, sources: [scripted(name, value)], state: store(url), log: silentLogger, writer: createRemoteWriter(cfg.remoteWrite!, { log: silentLogger, now: () => at }), now: () => at, runner });
  };
  return { url, cycle };
}

test('two concurrent cycles on one store lose no counter increment and no spooled sample, and leave every blob readable', async () => {
  const { url, cycle } = await scriptedRunner('race', 'runtime_race');
  const t0 = Date.now() - 120_000;
  const [a, b] = await Promise.all([cycle('dead', 1, t0), cycle('dead', 2, t0 + 1000)]);
  assert.ok(a.failedSamples > 0 && b.failedSamples > 0);
  const s = store(url);
  assert.equal((await s.list('spool/race/')).length, 2, 'each writer its own spool entry');
  const totals = (await s.get('health/race/totals')) as { cycles: number; samplesFailed: number };
  assert.equal(totals.cycles, 2, 'both increments kept');
  assert.equal(totals.samplesFailed, 2, 'each cycle\'s one failed sample counted');

  const third = await cycle('live', 3, t0 + 2000);
  assert.equal(third.failedSamples, 0, third.errors.join('; '));
  const raw = await prom.rawSamples('runtime_race', 600);
  assert.deepEqual(raw[0]?.values.map(([ts, v]) => [Math.round(ts * 1000) - t0, v]), [[0, '1'], [1000, '2'], [2000, '3']], 'both spooled samples arrived, in order');
  assert.deepEqual(await s.list('spool/race/'), [], 'the spool is empty once delivered');
  const counters = await prom.rawSamples('lakepulse_cycles_total{instance="race"}', 600);
  assert.deepEqual(counters[0]?.values.map(([, v]) => v), ['1', '2', '3'], 'the counter never went backwards');
  for (const key of await s.list('')) assert.notEqual(await s.get(key), undefined, `${key} is readable`);
});

test('overlapping runs that finish out of order: their spool entries are merged per series, oldest sample first', async () => {
  const { cycle } = await scriptedRunner('order', 'runtime_order');
  const t0 = Date.now() - 120_000;
  // The later-started run updates the counters first; the earlier one's counter sample then comes after it in time
  // but its spool entry sorts first.
  await cycle('dead', 2, t0 + 1000);
  await cycle('dead', 1, t0);
  const third = await cycle('live', 3, t0 + 2000);
  assert.equal(third.failedSamples, 0, third.errors.join('; '));
  const counters = await prom.rawSamples('lakepulse_cycles_total{instance="order"}', 600);
  assert.deepEqual(counters[0]?.values.map(([, v]) => v), ['1', '2', '3']);
  const raw = await prom.rawSamples('runtime_order', 600);
  assert.deepEqual(raw[0]?.values.map(([ts, v]) => [Math.round(ts * 1000) - t0, v]), [[0, '1'], [1000, '2'], [2000, '3']]);
});

test('spooled samples are resent while younger than 15 minutes and dropped, counted, when older', async () => {
  // The writer's clock is the cycle's: a sample spooled at `now - 16 min` is 16 minutes old when resent.
  const { url, cycle } = await scriptedRunner('expiry', 'runtime_fresh');
  const now = Date.now();
  await cycle('dead', 1, now - 16 * 60_000, 'runtime_old');
  await cycle('dead', 1, now - 5 * 60_000, 'runtime_recent');
  assert.equal((await store(url).list('spool/expiry/')).length, 1, 'the second failed run took over the first one\'s entry and spooled both');
  const after = await cycle('live', 1, now);
  assert.ok(after.failedSamples > 0, 'the expired samples count as not delivered');
  assert.deepEqual(await prom.rawSamples('runtime_old', 3600), [], 'older than 15 minutes: dropped');
  const recent = await prom.rawSamples('runtime_recent', 3600);
  assert.deepEqual(recent[0]?.values.map(([ts]) => Math.round(ts * 1000)), [now - 5 * 60_000], 'a 5-minute-old spooled sample arrives with its own timestamp');
  const dropped = await prom.query('lakepulse_samples_dropped_total{instance="expiry",reason="too_old"}');
  assert.ok(Number(dropped[0]?.value[1]) >= 1, JSON.stringify(dropped));
  assert.deepEqual(await store(url).list('spool/expiry/'), [], 'the spool is empty afterwards');
});

test('run --once holds a lease: an overlapping run exits 0 with one log line and pushes nothing', async () => {
  setIdentity();
  const url = container();
  const holder = await store(url).lease('leases/run-synapse', 60_000);
  assert.ok(holder);
  const log = memoryLogger();
  let stdout = '';
  const code = await runCli(['run', '--once', '--source', 'synapse', '--json'], { stdout: (t) => void (stdout += t), stderr: () => {}, env: env(url), log });
  assert.equal(code, 0);
  assert.deepEqual(log.lines.map((l) => l.message), ['another run is still going; this one does nothing']);
  assert.equal((JSON.parse(stdout.trim().split('\n').pop()!) as { requests: number }).requests, 0);
  await holder.release();
  const ran = await runCli(['run', '--once', '--source', 'synapse', '--json'], { stdout: (t) => void (stdout += t), stderr: () => {}, env: env(url), log: silentLogger });
  assert.equal(ran, 0, 'runs once the lease is free');
});

test('an unreachable state store fails the state step with a message naming STATE_STORE; collection and push still happen', async () => {
  const url = `http://127.0.0.1:${await freePort()}/devstoreaccount1/lakepulse-state`;
  let stderr = '';
  let stdout = '';
  setIdentity();
  const code = await runCli(['run', '--once', '--source', 'synapse', '--json'], { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env: env(url, { EXTERNAL_LABELS: 'run=nostate' }), log: silentLogger });
  assert.equal(code, 1);
  assert.match(stderr, /STATE_STORE=http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\/lakepulse-state cannot be used, so this run keeps no state/);
  const summary = JSON.parse(stdout.trim().split('\n').pop()!) as { failedSamples: number; requests: number };
  assert.equal(summary.failedSamples, 0);
  assert.ok(summary.requests > 0);
  assert.ok((await prom.query('count(spark_executor_memoryUsed_bytes{run="nostate"})')).length === 1, 'executor series were pushed');
});
