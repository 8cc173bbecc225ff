import { PEAK_MEMORY_METRICS, type SparkApp, type SparkExecutor } from './dataset';

/**
 * What Spark 3.x serves for an application: `/metrics/executors/prometheus` text exactly as PrometheusResource.scala
 * writes it (no TYPE/HELP, labels unescaped and separated by ", ", ms values as Scala Doubles in seconds) and the
 * `/executors` JSON (ExecutorSummary[]), from the same numbers.
 */

/** Java/Scala Double.toString: plain between 1e-3 and 1e7 (always with a fraction digit), else 1.2345E7 form. */
export function scalaDouble(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(x);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(x);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mantissa, exponent] = x.toExponential().split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

export function renderPrometheusText(app: SparkApp, sparkVersion: string, options: { sparkInfo?: boolean } = {}): string {
  const lines: string[] = [];
  if (options.sparkInfo) lines.push(`spark_info{version="${sparkVersion}", revision="0123456789abcdef"} 1.0`);
  for (const e of app.executors) {
    if (!e.isActive) continue;
    const labels = `{application_id="${app.appId}", application_name="${app.sparkAppName}", executor_id="${e.id}"}`;
    const put = (name: string, value: string | number) => lines.push(`metrics_executor_${name}${labels} ${value}`);
    put('rddBlocks', e.rddBlocks);
    put('memoryUsed_bytes', e.memoryUsed);
    put('diskUsed_bytes', e.diskUsed);
    put('totalCores', e.totalCores);
    put('maxTasks', e.maxTasks);
    put('activeTasks', e.activeTasks);
    put('failedTasks_total', e.failedTasks);
    put('completedTasks_total', e.completedTasks);
    put('totalTasks_total', e.totalTasks);
    put('totalDuration_seconds_total', scalaDouble(e.totalDurationMs * 0.001));
    put('totalGCTime_seconds_total', scalaDouble(e.totalGCTimeMs * 0.001));
    put('totalInputBytes_bytes_total', e.totalInputBytes);
    put('totalShuffleRead_bytes_total', e.totalShuffleRead);
    put('totalShuffleWrite_bytes_total', e.totalShuffleWrite);
    put('maxMemory_bytes', e.maxMemory);
    put('usedOnHeapStorageMemory_bytes', e.memoryMetrics.usedOnHeapStorageMemory);
    put('usedOffHeapStorageMemory_bytes', e.memoryMetrics.usedOffHeapStorageMemory);
    put('totalOnHeapStorageMemory_bytes', e.memoryMetrics.totalOnHeapStorageMemory);
    put('totalOffHeapStorageMemory_bytes', e.memoryMetrics.totalOffHeapStorageMemory);
    for (const m of PEAK_MEMORY_METRICS) put(`${m}_bytes`, e.peakMemoryMetrics[m] ?? 0);
    put('MinorGCCount_total', e.peakMemoryMetrics.MinorGCCount ?? 0);
    put('MajorGCCount_total', e.peakMemoryMetrics.MajorGCCount ?? 0);
    put('MinorGCTime_seconds_total', scalaDouble((e.peakMemoryMetrics.MinorGCTime ?? 0) * 0.001));
    put('MajorGCTime_seconds_total', scalaDouble((e.peakMemoryMetrics.MajorGCTime ?? 0) * 0.001));
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}

/** Spark REST `ExecutorSummary[]` for the active executors. */
export function renderExecutorsJson(app: SparkApp): unknown[] {
  return app.executors.filter((e) => e.isActive).map((e: SparkExecutor) => ({
    id: e.id,
    hostPort: e.hostPort,
    isActive: e.isActive,
    rddBlocks: e.rddBlocks,
    memoryUsed: e.memoryUsed,
    diskUsed: e.diskUsed,
    totalCores: e.totalCores,
    maxTasks: e.maxTasks,
    activeTasks: e.activeTasks,
    failedTasks: e.failedTasks,
    completedTasks: e.completedTasks,
    totalTasks: e.totalTasks,
    totalDuration: e.totalDurationMs,
    totalGCTime: e.totalGCTimeMs,
    totalInputBytes: e.totalInputBytes,
    totalShuffleRead: e.totalShuffleRead,
    totalShuffleWrite: e.totalShuffleWrite,
    isBlacklisted: false,
    maxMemory: e.maxMemory,
    addTime: new Date(e.addTimeMs).toISOString().replace('Z', 'GMT'),
    executorLogs: {},
    memoryMetrics: e.memoryMetrics,
    blacklistedInStages: [],
    peakMemoryMetrics: e.peakMemoryMetrics,
    attributes: {},
    resources: {},
    resourceProfileId: 0,
    isExcluded: false,
    excludedInStages: [],
  }));
}
