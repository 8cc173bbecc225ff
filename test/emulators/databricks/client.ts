import { DBSQLClient } from '@databricks/sql';
import type IDBSQLSession from '@databricks/sql/dist/contracts/IDBSQLSession';
import type { DatabricksEmulator } from '../../../lib/emulators/databricks';

/** A real `@databricks/sql` session against the emulator (PAT auth, the emulator's CA, no telemetry). */
export async function openSession(emu: DatabricksEmulator, extra: Record<string, unknown> = {}): Promise<{ session: IDBSQLSession; close(): Promise<void> }> {
  const client = new DBSQLClient({ logger: { log() {} } } as never);
  await client.connect({
    host: emu.hostname, port: emu.port, path: emu.httpPath, token: emu.token, telemetryEnabled: false, customCaCert: emu.caCertPem,
    userAgentEntry: 'emulator-test', retryDelayMin: 20, retryMaxAttempts: 3, ...extra,
  } as never);
  const session = await client.openSession();
  return { session, close: async () => { await session.close(); await client.close(); } };
}

export async function query(session: IDBSQLSession, sql: string, options: Record<string, unknown> = {}): Promise<Array<Record<string, unknown>>> {
  const op = await session.executeStatement(sql, options as never);
  try {
    return (await op.fetchAll(options as never)) as Array<Record<string, unknown>>;
  } finally {
    await op.close();
  }
}
