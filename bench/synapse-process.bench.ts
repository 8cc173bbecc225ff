import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIdentityEmulator } from '../lib/emulators/identity';
import { startLocalReceiver } from '../lib/emulators/receiver';
import { startEmulatorProcess } from './synapse-emulator-process';
import { report } from './timing';

/**
 * Whole processes, as a user runs them, start-up included: `lakepulse run --once --source synapse` against the
 * baseline's own process (synapse-baseline-main.ts) over the same emulated workspace (200 applications × 20 executors,
 * 50 ms per request, 16 in flight) and the same local receiver. The two commands alternate (one warm-up each, then
 * ROUNDS pairs) so drift on this shared machine hits both alike; the medians are compared, min-max printed. A third
 * process, the floor (synapse-floor-main.ts: the same requests, bodies thrown away), runs in the same rounds: what a
 * collector costs beyond the network is its time over the floor's.
 */
const APPS = 200;
const EXECUTORS = 20;
const LATENCY_MS = 50;
const CONCURRENCY = 16;
const ROUNDS = 5;

function timeProcess(args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => void (stderr = (stderr + c.toString()).slice(-2000)));
    child.once('exit', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`${args.join(' ')} exited with ${code}: ${stderr}`))));
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const range = (xs: number[]) => `${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)} ms`;

async function main(): Promise<void> {
  const emu = await startEmulatorProcess(APPS, EXECUTORS, LATENCY_MS);
  const receiver = await startLocalReceiver({ keep: false });
  const identity = await startIdentityEmulator();
  const stateDir = await mkdtemp(join(tmpdir(), 'lakepulse-bench-state-'));
  try {
    const ours = [join(__dirname, '../lib/cli-main.js'), 'run', '--once', '--source', 'synapse'];
    const oursEnv = {
      ...identity.env,
      SYNAPSE_WORKSPACES: emu.workspaces,
      SYNAPSE_CONCURRENCY: String(CONCURRENCY),
      REMOTE_WRITE_URL: receiver.url,
      STATE_STORE: `file:${stateDir}`,
      LAKEPULSE_INSTANCE: 'bench',
    };
    const base = [join(__dirname, 'synapse-baseline-main.js'), emu.workspaces, receiver.url, String(CONCURRENCY)];
    const floor = [join(__dirname, 'synapse-floor-main.js'), emu.workspaces, String(CONCURRENCY)];
    await timeProcess(ours, oursEnv); // warm-up: the state store holds the previous series set, as in steady state
    await timeProcess(base, {});
    await timeProcess(floor, {});
    const oursMs: number[] = [];
    const baseMs: number[] = [];
    const floorMs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      oursMs.push(await timeProcess(ours, oursEnv));
      baseMs.push(await timeProcess(base, {}));
      floorMs.push(await timeProcess(floor, {}));
    }
    report(
      'synapse_process_vs_baseline',
      median(baseMs) / median(oursMs),
      'x',
      `whole processes, ${ROUNDS} alternating runs: lakepulse run --once median ${median(oursMs).toFixed(0)} ms (${range(oursMs)}), parse-prometheus-text-format + prometheus-remote-write median ${median(baseMs).toFixed(0)} ms (${range(baseMs)}); ${APPS} apps x ${EXECUTORS} executors at ${LATENCY_MS} ms; goal >= 3`,
    );
    report(
      'synapse_process_vs_floor',
      median(oursMs) / median(floorMs),
      'x',
      `the same requests with nothing done with the bodies (no token, parsing, state or push), median ${median(floorMs).toFixed(0)} ms (${range(floorMs)}): the most any collector could be is ${(median(baseMs) / median(floorMs)).toFixed(2)}x the baseline here; lower is better`,
    );
  } finally {
    emu.stop();
    await Promise.allSettled([receiver.close(), identity.close(), rm(stateDir, { recursive: true, force: true })]);
  }
}

void main();
