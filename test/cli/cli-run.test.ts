import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { runCli } from '../../lib/cli';
import { silentLogger } from '../../lib/log';
import { startPrometheus, type PrometheusServer } from '../support/prometheus';

/** `lakepulse emulate` in its own process, as a user would run it, then `lakepulse run --once` against it. */
let emulate: ReturnType<typeof spawn>;
let env: Record<string, string>;
let prom: PrometheusServer;
let stateDir: string;

before(async () => {
  emulate = spawn(process.execPath, [join(__dirname, '../../lib/cli-main.js'), 'emulate'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: emulate.stdout! }).once('line', resolve);
    emulate.once('exit', (code) => reject(new Error(`emulate exited with ${code}`)));
  });
  env = (JSON.parse(line) as { env: Record<string, string> }).env;
  // The managed-identity endpoint is read by @azure/identity from the process environment.
  process.env.IDENTITY_ENDPOINT = env.IDENTITY_ENDPOINT;
  process.env.IDENTITY_HEADER = env.IDENTITY_HEADER;
  prom = await startPrometheus();
  stateDir = await mkdtemp(join(tmpdir(), 'lakepulse-cli-'));
});

after(async () => {
  emulate.kill('SIGTERM');
  await prom.stop();
  await rm(stateDir, { recursive: true, force: true });
});

async function cli(argv: string[], extra: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env: { ...env, STATE_STORE: `file:${stateDir}`, ...extra }, log: silentLogger });
  return { code, stdout, stderr };
}

test('emulate prints the connection settings of every emulator as one JSON line', () => {
  for (const k of ['DATABRICKS_SERVER_HOSTNAME', 'DATABRICKS_PORT', 'DATABRICKS_HTTP_PATH', 'DATABRICKS_CA_CERT', 'SYNAPSE_WORKSPACES', 'IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'REMOTE_WRITE_URL']) {
    assert.ok(env[k], `${k} is set`);
  }
});

test('run --once --json pushes everything into Prometheus and ends with the JSON summary', async () => {
  const r = await cli(['run', '--once', '--json'], { REMOTE_WRITE_URL: prom.writeUrl, LAKEPULSE_INSTANCE: 'cli' });
  assert.equal(r.code, 0, r.stderr);
  const last = r.stdout.trim().split('\n').at(-1)!;
  const summary = JSON.parse(last) as { series: number; samples: number; requests: number; failedSamples: number; targets: Array<{ source: string; target: string; up: number; series: number }> };
  assert.equal(summary.failedSamples, 0);
  assert.ok(summary.requests >= 2);
  assert.deepEqual(summary.targets.map((t) => [t.source, t.up]), [['databricks', 1], ['synapse', 1], ['synapse', 1]]);
  const pushed = await prom.query('count({__name__=~"databricks_.+|spark_.+|synapse_.+|up|lakepulse_.+"})');
  assert.equal(Number(pushed[0]?.value[1]), summary.series, 'every series in the summary is in Prometheus');
  assert.ok(!last.includes(env.DATABRICKS_TOKEN!), 'no secret in --json');
});

test('run --once --dry-run prints text exposition and pushes nothing; --source selects one source', async () => {
  const r = await cli(['run', '--once', '--dry-run', '--source', 'databricks'], { REMOTE_WRITE_URL: 'http://127.0.0.1:9/unused' });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^# HELP databricks_billing_cost_estimate_usd /m);
  assert.match(r.stdout, /^# TYPE databricks_job_runs_total gauge$/m);
  assert.match(r.stdout, /^databricks_up\{instance="127\.0\.0\.1",job="databricks"\} 1 \d+$/m);
  assert.ok(!/spark_executor/.test(r.stdout));
});

test('an unreachable receiver exits 1 and counts every sample as not delivered', async () => {
  const r = await cli(['run', '--once', '--json', '--source', 'synapse'], { REMOTE_WRITE_URL: 'http://127.0.0.1:9/api/v1/write', REMOTE_WRITE_MAX_RETRY_MS: '200' });
  assert.equal(r.code, 1);
  const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { samples: number; failedSamples: number };
  assert.ok(summary.failedSamples > 0);
  assert.equal(summary.failedSamples, summary.samples);
});
