import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { errorMessage } from './errors';
import { applyFaultSettings, startDatabricksEmulator } from './emulators/databricks';
import { startIdentityEmulator } from './emulators/identity';
import { startLocalReceiver } from './emulators/receiver';
import { parseSynapseDataset, startSynapseEmulator } from './emulators/synapse';
import { UsageError, type CliIo } from './cli-report';

export interface RunningEmulators {
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Starts every local emulator: Databricks SQL warehouse, Synapse workspaces, managed identity, remote-write receiver.
 * `portBase` N puts them on N, N+1, N+2, N+3 (else free ports).
 */
export async function startEmulators(options: { databricksData?: string; synapseData?: string; portBase?: number; env?: Readonly<Record<string, string | undefined>> } = {}): Promise<RunningEmulators> {
  const port = (offset: number) => (options.portBase === undefined ? 0 : options.portBase + offset);
  const identity = await startIdentityEmulator({ port: port(2) });
  const synapseData = options.synapseData === undefined ? undefined : parseSynapseDataset(JSON.parse(await readFile(options.synapseData, 'utf8')) as unknown);
  const synapse = await startSynapseEmulator({ port: port(1), identity, ...(synapseData !== undefined ? { data: synapseData } : {}) });
  const catalog = options.env?.DATABRICKS_CATALOG;
  const databricks = await startDatabricksEmulator({ port: port(0), ...(options.databricksData !== undefined ? { dataDir: options.databricksData } : {}), ...(catalog ? { catalog } : {}) });
  // DATABRICKS_EMULATOR_COLD_START_CALLS, _MISSING_TABLES, ... inject faults from the command line.
  applyFaultSettings(databricks.faults, options.env ?? {});
  const receiver = await startLocalReceiver({ port: port(3), keep: false });
  return {
    env: {
      ...databricks.env,
      ...synapse.env,
      ...identity.env,
      REMOTE_WRITE_URL: receiver.url,
      REMOTE_WRITE_AUTH: 'none',
    },
    async close() {
      await Promise.allSettled([databricks.close(), synapse.close(), identity.close(), receiver.close()]);
    },
  };
}

export async function runEmulate(args: readonly string[], io: CliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: { 'databricks-data': { type: 'string' }, 'synapse-data': { type: 'string' }, 'port-base': { type: 'string' } },
      strict: true,
    }));
  } catch (err) {
    throw new UsageError(errorMessage(err));
  }
  let portBase: number | undefined;
  if (values['port-base'] !== undefined) {
    portBase = Number(values['port-base']);
    if (!Number.isInteger(portBase) || portBase < 1024 || portBase > 65531) throw new UsageError('--port-base must be an integer from 1024 to 65531');
  }
  const running = await startEmulators({ databricksData: values['databricks-data'], synapseData: values['synapse-data'], portBase, env: io.env });
  io.stdout(JSON.stringify({ env: running.env }) + '\n');
  const stop = () => {
    void running.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return 0;
}
