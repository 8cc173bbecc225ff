import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startLocalReceiver } from '../lib/emulators/receiver';
import { startEmulatorProcess } from './synapse-emulator-process';
import { report } from './timing';

/**
 * How the Synapse cycle scales with the estate: 50, 200 and 800 applications × 20 executors at 50 ms per request, each
 * collector in a fresh process (synapse-cycle-child.ts) so its peak RSS is its own. Goals: time per series within
 * 1.2× from 50 to 800 applications; peak RSS growing sublinearly, the 800-application cycle well inside a 512 MB
 * Flex Consumption instance.
 */
const SIZES = [50, 200, 800];
const EXECUTORS = 20;
const LATENCY_MS = 50;
const CONCURRENCY = 16;
const CAPPED_HEAP_MB = 256;

interface Run {
  ms: number;
  series: number;
  peakRssMb: number;
}

function runChild(workspaces: string, writeUrl: string, nodeFlags: string[] = []): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, join(__dirname, 'synapse-cycle-child.js'), workspaces, writeUrl, String(CONCURRENCY)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => void (out += c.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Run) : reject(new Error(`synapse-cycle-child exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  const receiver = await startLocalReceiver({ keep: false });
  const runs = new Map<number, Run>();
  let capped: Run | undefined;
  try {
    for (const apps of SIZES) {
      const emu = await startEmulatorProcess(apps, EXECUTORS, LATENCY_MS);
      try {
        runs.set(apps, await runChild(emu.workspaces, receiver.url));
        // V8 sizes its heap by the machine's memory and collects lazily: the same cycle with the heap a 512 MB
        // instance would give it shows what it needs, not what it was allowed.
        if (apps === SIZES.at(-1)) capped = await runChild(emu.workspaces, receiver.url, [`--max-old-space-size=${CAPPED_HEAP_MB}`]);
      } finally {
        emu.stop();
      }
    }
  } finally {
    await receiver.close();
  }
  process.stdout.write('# apps x 20 executors | series | cycle ms | us per series | peak RSS MB\n');
  for (const [apps, r] of runs) {
    process.stdout.write(`# ${String(apps).padStart(4)} | ${String(r.series).padStart(7)} | ${r.ms.toFixed(0).padStart(6)} | ${((r.ms * 1000) / r.series).toFixed(2).padStart(6)} | ${r.peakRssMb.toFixed(0)}\n`);
  }
  if (capped) process.stdout.write(`# ${SIZES.at(-1)} apps with --max-old-space-size=${CAPPED_HEAP_MB}: ${capped.ms.toFixed(0)} ms, peak RSS ${capped.peakRssMb.toFixed(0)} MB\n`);
  const small = runs.get(SIZES[0]!)!;
  const large = runs.get(SIZES.at(-1)!)!;
  report('synapse_scaling_time_per_series_800_vs_50', large.ms / large.series / (small.ms / small.series), 'x', 'goal <= 1.2');
  report('synapse_peak_rss_800_apps_mb', large.peakRssMb, 'MB', `peak RSS of the whole collector process for 800 apps (${large.series} series); ${SIZES[0]} apps: ${small.peakRssMb.toFixed(0)} MB; goal < 512 with room for the runtime`);
}

void main();
