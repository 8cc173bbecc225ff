import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** The Synapse emulator in its own process (synapse-emulator-child.ts), so neither its CPU nor its memory is the collector's. */
export async function startEmulatorProcess(apps: number, executors: number, latencyMs: number): Promise<{ workspaces: string; stop(): void }> {
  const child = spawn(process.execPath, [join(__dirname, 'synapse-emulator-child.js'), String(apps), String(executors), String(latencyMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`synapse emulator exited with ${code}`)));
  });
  return { workspaces: (JSON.parse(line) as { workspaces: string }).workspaces, stop: () => child.kill('SIGTERM') };
}
