import type { SparkApp, SparkExecutor, SynapseDataset, SynapseWorkspaceData } from './dataset';
import { BUILTIN_SPARK_VERSION } from './dataset';

/**
 * Reads a Synapse data set from parsed JSON (`lakepulse emulate --synapse-data FILE`): the same shape as
 * `SynapseDataset` (e.g. `JSON.stringify(builtinSynapseDataset(Date.now()))`), with conveniences: `livyId` may be a
 * number, times may be ISO strings instead of epoch ms (`submitTime` for `submitTimeMs`, ...), and executor fields
 * that are left out default to 0 / active. Errors name the offending path, e.g. `workspaces[0].apps[2].pool`.
 */
export function parseSynapseDataset(value: unknown): SynapseDataset {
  const root = record(value, '(root)');
  const workspaces = array(root.workspaces, 'workspaces').map((w, i) => workspaceOf(w, `workspaces[${i}]`));
  return { sparkVersion: optional(root.sparkVersion, 'sparkVersion', str) ?? BUILTIN_SPARK_VERSION, workspaces };
}

type Obj = Record<string, unknown>;

function record(v: unknown, path: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${path} must be an object`);
  return v as Obj;
}
function array(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new Error(`${path} must be an array`);
  return v;
}
function str(v: unknown, path: string): string {
  if (typeof v !== 'string' || v === '') throw new Error(`${path} must be a non-empty string`);
  return v;
}
function num(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${path} must be a finite number`);
  return v;
}
function bool(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') throw new Error(`${path} must be true or false`);
  return v;
}
function optional<T>(v: unknown, path: string, read: (v: unknown, path: string) => T): T | undefined {
  return v === undefined || v === null ? undefined : read(v, path);
}
/** `<key>Ms` as epoch ms, or `<key>` as an ISO 8601 string. */
function time(o: Obj, key: string, path: string): number | undefined {
  if (o[`${key}Ms`] !== undefined) return num(o[`${key}Ms`], `${path}.${key}Ms`);
  if (o[key] === undefined || o[key] === null) return undefined;
  const ms = Date.parse(str(o[key], `${path}.${key}`));
  if (Number.isNaN(ms)) throw new Error(`${path}.${key} must be an ISO 8601 time`);
  return ms;
}

function workspaceOf(v: unknown, path: string): SynapseWorkspaceData {
  const o = record(v, path);
  return { name: str(o.name, `${path}.name`), apps: array(o.apps, `${path}.apps`).map((a, i) => appOf(a, `${path}.apps[${i}]`)) };
}

function appOf(v: unknown, path: string): SparkApp {
  const o = record(v, path);
  const pool = str(o.pool, `${path}.pool`);
  const livy = o.livyId;
  const livyId = typeof livy === 'number' && Number.isInteger(livy) ? String(livy) : str(livy, `${path}.livyId`);
  const jobType = o.jobType ?? 'Batch job';
  if (jobType !== 'Spark session' && jobType !== 'Batch job') throw new Error(`${path}.jobType must be "Spark session" or "Batch job"`);
  const submitTimeMs = time(o, 'submitTime', path);
  if (submitTimeMs === undefined) throw new Error(`${path}.submitTimeMs (or submitTime) is required`);
  const startTimeMs = time(o, 'startTime', path);
  const endTimeMs = time(o, 'endTime', path);
  const sparkInfo = optional(o.sparkInfo, `${path}.sparkInfo`, bool);
  const name = str(o.name, `${path}.name`);
  return {
    pool,
    livyId,
    appId: o.appId === null || o.appId === undefined ? null : str(o.appId, `${path}.appId`),
    name,
    sparkAppName: optional(o.sparkAppName, `${path}.sparkAppName`, str) ?? name,
    jobType,
    state: str(o.state, `${path}.state`),
    submitter: optional(o.submitter, `${path}.submitter`, str) ?? 'unknown',
    submitTimeMs,
    ...(startTimeMs !== undefined ? { startTimeMs } : {}),
    ...(endTimeMs !== undefined ? { endTimeMs } : {}),
    ...(sparkInfo !== undefined ? { sparkInfo } : {}),
    executors: array(o.executors ?? [], `${path}.executors`).map((e, i) => executorOf(e, `${path}.executors[${i}]`, startTimeMs ?? submitTimeMs)),
  };
}

const COUNTERS = ['rddBlocks', 'memoryUsed', 'diskUsed', 'totalCores', 'maxTasks', 'activeTasks', 'failedTasks', 'completedTasks', 'totalTasks', 'totalDurationMs', 'totalGCTimeMs', 'totalInputBytes', 'totalShuffleRead', 'totalShuffleWrite', 'maxMemory'] as const;
const MEMORY = ['usedOnHeapStorageMemory', 'usedOffHeapStorageMemory', 'totalOnHeapStorageMemory', 'totalOffHeapStorageMemory'] as const;

function executorOf(v: unknown, path: string, defaultAddMs: number): SparkExecutor {
  const o = record(v, path);
  const id = typeof o.id === 'number' ? String(o.id) : str(o.id, `${path}.id`);
  const counters = Object.fromEntries(COUNTERS.map((k) => [k, optional(o[k], `${path}.${k}`, num) ?? 0])) as Record<(typeof COUNTERS)[number], number>;
  const mm = optional(o.memoryMetrics, `${path}.memoryMetrics`, record);
  const peak = optional(o.peakMemoryMetrics, `${path}.peakMemoryMetrics`, record);
  const removeTimeMs = time(o, 'removeTime', path);
  const removeReason = optional(o.removeReason, `${path}.removeReason`, str);
  return {
    id,
    hostPort: optional(o.hostPort, `${path}.hostPort`, str) ?? `executor-${id}.internal:0`,
    isActive: optional(o.isActive, `${path}.isActive`, bool) ?? true,
    addTimeMs: time(o, 'addTime', path) ?? defaultAddMs,
    ...(removeTimeMs !== undefined ? { removeTimeMs } : {}),
    ...(removeReason !== undefined ? { removeReason } : {}),
    ...counters,
    ...(mm ? { memoryMetrics: Object.fromEntries(MEMORY.map((k) => [k, optional(mm[k], `${path}.memoryMetrics.${k}`, num) ?? 0])) as SparkExecutor['memoryMetrics'] } : {}),
    ...(peak ? { peakMemoryMetrics: Object.fromEntries(Object.entries(peak).map(([k, x]) => [k, num(x, `${path}.peakMemoryMetrics.${k}`)])) } : {}),
  };
}
