import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';

/** A real Azurite blob service (npm `azurite`) on a loopback port, with its data in a temp directory. */
export interface AzuriteBlob {
  /** http://127.0.0.1:PORT/devstoreaccount1 */
  accountUrl: string;
  port: number;
  /** A container URL for STATE_STORE. */
  containerUrl(name: string): string;
  /** `AzureWebJobsStorage`-style connection string for this instance (Azurite's public development key). */
  connectionString: string;
  stop(): Promise<void>;
}

const AZURITE_BLOB = require.resolve('azurite/dist/src/blob/main.js');
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export async function startAzurite(): Promise<AzuriteBlob> {
  const dir = await mkdtemp(join(tmpdir(), 'lakepulse-azurite-'));
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [AZURITE_BLOB, '--blobHost', '127.0.0.1', '--blobPort', String(port), '--location', dir, '--disableTelemetry', '--skipApiVersionCheck', '--loose'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Azurite did not start in 20 s:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('successfully listens')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited with ${code}:\n${output}`));
    });
  });
  child.removeAllListeners('exit');
  const accountUrl = `http://127.0.0.1:${port}/devstoreaccount1`;
  return {
    accountUrl,
    port,
    containerUrl: (name) => `${accountUrl}/${name}`,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${DEV_KEY};BlobEndpoint=${accountUrl};`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(killer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
