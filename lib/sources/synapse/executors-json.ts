import type { TextSample } from './prometheus-text';

/**
 * Spark's `/executors` JSON (ExecutorSummary[]) mapped onto the names the text endpoint uses (before the
 * `metrics_` → `spark_` rename), with Spark's own conversions (ms → s). Also what the text lacks:
 * `executor_isActive` and `executor_addTime_seconds`.
 */
const DIRECT: Array<[string, string]> = [
  ['rddBlocks', 'metrics_executor_rddBlocks'],
  ['memoryUsed', 'metrics_executor_memoryUsed_bytes'],
  ['diskUsed', 'metrics_executor_diskUsed_bytes'],
  ['totalCores', 'metrics_executor_totalCores'],
  ['maxTasks', 'metrics_executor_maxTasks'],
  ['activeTasks', 'metrics_executor_activeTasks'],
  ['failedTasks', 'metrics_executor_failedTasks_total'],
  ['completedTasks', 'metrics_executor_completedTasks_total'],
  ['totalTasks', 'metrics_executor_totalTasks_total'],
  ['totalInputBytes', 'metrics_executor_totalInputBytes_bytes_total'],
  ['totalShuffleRead', 'metrics_executor_totalShuffleRead_bytes_total'],
  ['totalShuffleWrite', 'metrics_executor_totalShuffleWrite_bytes_total'],
  ['maxMemory', 'metrics_executor_maxMemory_bytes'],
];
const MILLIS: Array<[string, string]> = [
  ['totalDuration', 'metrics_executor_totalDuration_seconds_total'],
  ['totalGCTime', 'metrics_executor_totalGCTime_seconds_total'],
];
const MEMORY_METRICS = ['usedOnHeapStorageMemory', 'usedOffHeapStorageMemory', 'totalOnHeapStorageMemory', 'totalOffHeapStorageMemory'];

export interface JsonExecutors {
  /** Samples named as the text endpoint names them. */
  samples: TextSample[];
  /** Executor ids listed. */
  executorIds: string[];
}

/** `extrasOnly`: just what the text lacks (the text carries the rest). */
export function parseExecutorsJson(text: string, appId: string, appName: string | undefined, extrasOnly = false): JsonExecutors | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(body)) return undefined;
  const samples: TextSample[] = [];
  const executorIds: string[] = [];
  for (const item of body as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const e = item as Record<string, unknown>;
    if (typeof e.id !== 'string') continue;
    executorIds.push(e.id);
    const labels: Record<string, string> = { application_id: appId, executor_id: e.id };
    if (appName) labels.application_name = appName;
    const put = (name: string, v: unknown, scale = 1) => {
      if (typeof v === 'number' && Number.isFinite(v)) samples.push({ name, labels, value: v * scale });
    };
    put('metrics_executor_isActive', e.isActive === true ? 1 : e.isActive === false ? 0 : undefined);
    if (typeof e.addTime === 'string') {
      const t = Date.parse(e.addTime.replace(/GMT$/, 'Z'));
      if (!Number.isNaN(t)) put('metrics_executor_addTime_seconds', t / 1000);
    }
    if (extrasOnly) continue;
    for (const [field, name] of DIRECT) put(name, e[field]);
    for (const [field, name] of MILLIS) put(name, e[field], 0.001);
    const mm = e.memoryMetrics;
    if (typeof mm === 'object' && mm !== null) for (const k of MEMORY_METRICS) put(`metrics_executor_${k}_bytes`, (mm as Record<string, unknown>)[k]);
    const peak = e.peakMemoryMetrics;
    if (typeof peak === 'object' && peak !== null) {
      for (const [k, v] of Object.entries(peak as Record<string, unknown>)) {
        if (k.endsWith('GCCount')) put(`metrics_executor_${k}_total`, v);
        else if (k.endsWith('GCTime')) {
          if (k !== 'TotalGCTime') put(`metrics_executor_${k}_seconds_total`, v, 0.001);
        } else put(`metrics_executor_${k}_bytes`, v);
      }
    }
  }
  return { samples, executorIds };
}
