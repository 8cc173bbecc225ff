import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectOnce } from '../../lib/collector';
import type { CycleReport } from '../../lib/cycle';
import { startDatabricksEmulator, type DatabricksEmulator } from '../../lib/emulators/databricks';
import { startIdentityEmulator, type IdentityEmulator } from '../../lib/emulators/identity';
import { startSynapseEmulator, type SynapseEmulator } from '../../lib/emulators/synapse';
import { silentLogger } from '../../lib/log';
import { closeSources, type SourceSelection } from '../../lib/sources/registry';
import { startPrometheus, type PrometheusServer } from './prometheus';
import { forSuite } from './suite';

/**
 * What read-back tests read back: a real Prometheus filled by real collection cycles (collectOnce, exactly what
 * `lakepulse run --once` runs) over the Databricks, Synapse and managed-identity emulators.
 */
export interface ReadbackFixture {
  prom: PrometheusServer;
  identity: IdentityEmulator;
  synapse: SynapseEmulator;
  databricks: DatabricksEmulator;
  /** The run's environment: what a deployment sets, pointed at the emulators and the Prometheus. */
  env: Record<string, string>;
  /** One cycle; `agoMs` shifts the cycle's clock (its sample timestamps) into the past. */
  cycle(options?: { agoMs?: number; source?: SourceSelection }): Promise<CycleReport>;
}

/** `fill` runs once everything is up, before the file's tests (top-level before hooks of node:test may not wait for each other). */
export function readbackFixtureForSuite(fill: (f: ReadbackFixture) => Promise<void> = async () => {}): ReadbackFixture {
  let stateDir = '';
  return forSuite(
    async () => {
      const identity = await startIdentityEmulator();
      // @azure/identity reads the managed-identity endpoint from the process environment, once per process.
      Object.assign(process.env, identity.env);
      const [synapse, databricks, prom] = await Promise.all([startSynapseEmulator({ identity }), startDatabricksEmulator(), startPrometheus()]);
      stateDir = await mkdtemp(join(tmpdir(), 'lakepulse-readback-'));
      const env: Record<string, string> = {
        ...identity.env,
        ...synapse.env,
        ...databricks.env,
        REMOTE_WRITE_URL: prom.writeUrl,
        REMOTE_WRITE_AUTH: 'none',
        STATE_STORE: `file:${stateDir}`,
        LAKEPULSE_INSTANCE: 'readback-test',
        PROMETHEUS_QUERY_URL: prom.baseUrl,
      };
      const fixture: ReadbackFixture = {
        prom,
        identity,
        synapse,
        databricks,
        env,
        async cycle(options = {}) {
          const agoMs = options.agoMs ?? 0;
          try {
            return await collectOnce({ env, source: options.source ?? 'all', log: silentLogger, now: () => Date.now() - agoMs });
          } finally {
            await closeSources();
          }
        },
      };
      await fill(fixture);
      return fixture;
    },
    async (f) => {
      await Promise.allSettled([f.prom.stop(), f.synapse.close(), f.databricks.close(), f.identity.close()]);
      await rm(stateDir, { recursive: true, force: true });
    },
  );
}

/** Runs a CLI-shaped command function and captures what it printed. */
export async function captured(run: (io: { stdout: (t: string) => void; stderr: (t: string) => void; env: Record<string, string | undefined> }) => Promise<number>, env: Record<string, string | undefined>) {
  let stdout = '';
  let stderr = '';
  const code = await run({ stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env });
  return { code, stdout, stderr };
}
