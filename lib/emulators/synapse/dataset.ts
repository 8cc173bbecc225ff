/**
 * The Synapse emulator's data: workspaces, their Spark applications (as the monitoring API lists them) and each
 * running application's executors (as Spark's status store holds them). Plain JSON, so `--synapse-data FILE` can
 * supply one; tests compute expected values from the same objects.
 */

import { prng } from '../prng';

export { prng };

export interface SparkExecutor {
  /** "driver", "1", "2", ... */
  id: string;
  hostPort: string;
  /** Only active executors appear in the text and in `/executors`; `/allexecutors` lists the rest too. */
  isActive: boolean;
  addTimeMs: number;
  removeTimeMs?: number;
  removeReason?: string;
  rddBlocks: number;
  memoryUsed: number;
  diskUsed: number;
  totalCores: number;
  maxTasks: number;
  activeTasks: number;
  failedTasks: number;
  completedTasks: number;
  totalTasks: number;
  /** Milliseconds; the text shows it ×0.001 as a Scala Double in seconds. */
  totalDurationMs: number;
  /** Milliseconds, as totalDurationMs. */
  totalGCTimeMs: number;
  totalInputBytes: number;
  totalShuffleRead: number;
  totalShuffleWrite: number;
  maxMemory: number;
  /** Optional in Spark: when absent, its 4 text lines are absent. */
  memoryMetrics?: { usedOnHeapStorageMemory: number; usedOffHeapStorageMemory: number; totalOnHeapStorageMemory: number; totalOffHeapStorageMemory: number };
  /** Spark's ExecutorMetricType names → peak values (bytes; GC times in ms). Optional: when absent, its 20 text lines are. */
  peakMemoryMetrics?: Record<string, number>;
}

export interface SparkApp {
  pool: string;
  livyId: string;
  /** null while queued. */
  appId: string | null;
  /** The monitoring API's job name (Livy name). */
  name: string;
  /** Spark's own application name (the `application_name` label). */
  sparkAppName: string;
  jobType: 'Spark session' | 'Batch job';
  /**
   * Monitoring API state. Running: `InProgress` (scrapeable once it has an appId) or `Submitting` (queued, appId null);
   * ended: `Succeeded`, `Failure`, `Cancelled`. Only the ended spellings are confirmed by a recording; the
   * service matches filter values case-insensitively (the connector filters `'inprogress'`).
   */
  state: string;
  submitter: string;
  submitTimeMs: number;
  startTimeMs?: number;
  endTimeMs?: number;
  /** Whether the text starts with a `spark_info{version, revision} 1.0` line (Spark 3.x does; the 2020 Synapse sample did not). */
  sparkInfo?: boolean;
  executors: SparkExecutor[];
}

export interface SynapseWorkspaceData {
  name: string;
  apps: SparkApp[];
}

export interface SynapseDataset {
  sparkVersion: string;
  workspaces: SynapseWorkspaceData[];
}

export const PEAK_MEMORY_METRICS = [
  'JVMHeapMemory', 'JVMOffHeapMemory', 'OnHeapExecutionMemory', 'OffHeapExecutionMemory', 'OnHeapStorageMemory',
  'OffHeapStorageMemory', 'OnHeapUnifiedMemory', 'OffHeapUnifiedMemory', 'DirectPoolMemory', 'MappedPoolMemory',
  'ProcessTreeJVMVMemory', 'ProcessTreeJVMRSSMemory', 'ProcessTreePythonVMemory', 'ProcessTreePythonRSSMemory',
  'ProcessTreeOtherVMemory', 'ProcessTreeOtherRSSMemory',
] as const;
export const PEAK_GC_METRICS = ['MinorGCCount', 'MinorGCTime', 'MajorGCCount', 'MajorGCTime'] as const;
/** Synapse runs Spark 3.x; its runtime version strings look like this. */
export const BUILTIN_SPARK_VERSION = '3.4.1.5.3.20240102.1';


export function makeExecutor(id: string, addTimeMs: number, rand: () => number, options: { peakMetrics?: boolean } = {}): SparkExecutor {
  const int = (max: number) => Math.floor(rand() * max);
  const maxMemory = 2 ** 30 * (2 + int(6));
  const completed = int(5000);
  const failed = int(20);
  const active = int(4);
  const peak: Record<string, number> = {};
  for (const m of PEAK_MEMORY_METRICS) peak[m] = int(4 * 2 ** 30);
  peak.MinorGCCount = int(500);
  peak.MinorGCTime = int(60_000);
  peak.MajorGCCount = int(20);
  peak.MajorGCTime = int(30_000);
  return {
    id,
    hostPort: `vm-${(id === 'driver' ? 0 : Number(id)).toString(16).padStart(4, '0')}.internal.cloudapp.net:${40000 + int(20000)}`,
    isActive: true,
    addTimeMs,
    rddBlocks: int(200),
    memoryUsed: int(maxMemory / 2),
    diskUsed: int(2 ** 28),
    totalCores: id === 'driver' ? 0 : 4 * (1 + int(2)),
    maxTasks: id === 'driver' ? 0 : 4 * (1 + int(2)),
    activeTasks: active,
    failedTasks: failed,
    completedTasks: completed,
    totalTasks: completed + failed + active,
    totalDurationMs: int(50_000_000),
    totalGCTimeMs: int(600_000),
    totalInputBytes: int(2 ** 34),
    totalShuffleRead: int(2 ** 32),
    totalShuffleWrite: int(2 ** 32),
    maxMemory,
    memoryMetrics: {
      usedOnHeapStorageMemory: int(maxMemory / 4),
      usedOffHeapStorageMemory: 0,
      totalOnHeapStorageMemory: Math.floor(maxMemory / 2),
      totalOffHeapStorageMemory: 0,
    },
    ...(options.peakMetrics === false ? {} : { peakMemoryMetrics: peak }),
  };
}

/** YARN-style ids `application_<clusterStartMs>_<seq>`, as Synapse shows them. */
function yarnIds(clusterStartMs: number): () => string {
  let seq = 0;
  return () => `application_${clusterStartMs}_${String(++seq).padStart(4, '0')}`;
}

/**
 * Two workspaces, two pools each, 33 applications, deterministic for a given `nowMs` and `seed`: per pool a running
 * notebook session and two running batch jobs (2–8 executors + driver), a queued job without an application id,
 * jobs that ended 80 s and 2 min ago, and older ended ones; livy id "0" on every pool; a Data Flow debug session on
 * `systemreservedpool-dataflow`. Half the running applications start their text with `spark_info`, and the newest
 * batch job's driver has no peakMemoryMetrics (so its text has 15 + 4 lines, not 39).
 */
export function builtinSynapseDataset(nowMs: number, seed = 7): SynapseDataset {
  const rand = prng(seed);
  const cluster = nowMs - 6 * 3600_000;
  const nextAppId = yarnIds(cluster);
  const workspaces: SynapseWorkspaceData[] = [
    { name: 'contoso', apps: [] },
    { name: 'fabrikam', apps: [] },
  ];
  const pools: Record<string, string[]> = { contoso: ['analytics', 'etl'], fabrikam: ['mlpool', 'adhoc'] };
  let running = 0;
  for (const ws of workspaces) {
    for (const pool of pools[ws.name]!) {
      let livy = 0;
      const add = (state: string, jobType: SparkApp['jobType'], executors: number, opts: { ageMs: number; endedAgoMs?: number; queued?: boolean; driverPeak?: boolean }) => {
        const submit = nowMs - opts.ageMs;
        const start = opts.queued ? undefined : submit + 20_000 + Math.floor(rand() * 60_000);
        const id = opts.queued ? null : nextAppId();
        const livyId = String(livy++);
        const name = jobType === 'Spark session' ? `Synapse_NBS_${pool}_${Math.floor(submit / 1000)}` : `SparkJobDefinition_${pool}_${livyId}_submit`;
        const app: SparkApp = {
          pool, livyId, appId: id, name, sparkAppName: `${jobType === 'Spark session' ? 'notebook' : 'job'}_${pool}_${submit}`,
          jobType, state, submitter: 'analyst@contoso.com', submitTimeMs: submit,
          ...(start !== undefined ? { startTimeMs: start } : {}),
          ...(opts.endedAgoMs !== undefined ? { endTimeMs: nowMs - opts.endedAgoMs } : {}),
          executors: [],
        };
        if (state === 'InProgress' && start !== undefined) {
          app.sparkInfo = running++ % 2 === 0;
          app.executors.push(makeExecutor('driver', start, rand, { peakMetrics: opts.driverPeak ?? true }));
          for (let e = 1; e <= executors; e++) app.executors.push(makeExecutor(String(e), start + 5000 * e, rand));
        }
        ws.apps.push(app);
      };
      add('InProgress', 'Spark session', 2 + Math.floor(rand() * 4), { ageMs: 3600_000 });
      add('InProgress', 'Batch job', 2 + Math.floor(rand() * 7), { ageMs: 900_000 });
      add('InProgress', 'Batch job', 3, { ageMs: 300_000, driverPeak: false });
      add('Submitting', 'Batch job', 0, { ageMs: 30_000, queued: true });
      add('Succeeded', 'Batch job', 0, { ageMs: 240_000, endedAgoMs: 120_000 });
      add('Failure', 'Batch job', 0, { ageMs: 100_000, endedAgoMs: 80_000 });
      add('Cancelled', 'Spark session', 0, { ageMs: 86_400_000, endedAgoMs: 80_000_000 });
      add('Succeeded', 'Batch job', 0, { ageMs: 7_200_000, endedAgoMs: 5_000_000 });
    }
  }
  // A Data Flow debug session runs on the reserved pool: never a scrape target.
  const debugStart = nowMs - 600_000;
  workspaces[0]!.apps.push({
    pool: 'systemreservedpool-dataflow', livyId: '0', appId: nextAppId(), name: 'Dataflow_debug_10ed2bd4-5d4c-4d4b-9f3e-1f2a3b4c5d6e', sparkAppName: 'dataflow_debug',
    jobType: 'Spark session', state: 'InProgress', submitter: 'ee20d9e7-0000-0000-0000-000000000000', submitTimeMs: debugStart, startTimeMs: debugStart + 1000,
    executors: [makeExecutor('driver', debugStart, rand)],
  });
  return { sparkVersion: BUILTIN_SPARK_VERSION, workspaces };
}

/**
 * One workspace (`loadtest`) with `apps` running batch jobs of `executorsPerApp` executors each, the driver included
 * (so 20 means driver + 19), spread over 8 pools with distinct livy ids. For benchmarks.
 */
export function syntheticLoadDataset(options: { apps: number; executorsPerApp: number; nowMs?: number; seed?: number }): SynapseDataset {
  const nowMs = options.nowMs ?? Date.now();
  const rand = prng(options.seed ?? 11);
  const nextAppId = yarnIds(nowMs - 86_400_000);
  const apps: SparkApp[] = [];
  for (let i = 0; i < options.apps; i++) {
    const pool = `pool${i % 8}`;
    const start = nowMs - 60_000 * (1 + (i % 50));
    const app: SparkApp = {
      pool, livyId: String(i), appId: nextAppId(), name: `SparkJobDefinition_load_${i}_submit`, sparkAppName: `load_${i}`,
      jobType: 'Batch job', state: 'InProgress', submitter: 'load@contoso.com', submitTimeMs: start - 30_000, startTimeMs: start, sparkInfo: true, executors: [],
    };
    app.executors.push(makeExecutor('driver', start, rand));
    for (let e = 1; e < options.executorsPerApp; e++) app.executors.push(makeExecutor(String(e), start + e * 1000, rand));
    apps.push(app);
  }
  return { sparkVersion: '3.4.1', workspaces: [{ name: 'loadtest', apps }] };
}
