import { startSynapseEmulator, syntheticLoadDataset } from '../lib/emulators/synapse';

/** Runs the Synapse emulator in its own process for bench/synapse.bench.ts, so its memory is not counted. */
async function main(): Promise<void> {
  const apps = Number(process.argv[2] ?? 200);
  const executors = Number(process.argv[3] ?? 20);
  const latencyMs = Number(process.argv[4] ?? 50);
  const emu = await startSynapseEmulator({ data: syntheticLoadDataset({ apps, executorsPerApp: executors }), latencyMs, pageSize: 50 });
  process.stdout.write(JSON.stringify({ workspaces: emu.env.SYNAPSE_WORKSPACES }) + '\n');
  process.on('SIGTERM', () => void emu.close().then(() => process.exit(0)));
}

void main();
