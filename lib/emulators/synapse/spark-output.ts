import { PEAK_MEMORY_METRICS, type SparkApp, type SparkExecutor } from './dataset';

/**
 * What Spark 3.x serves for one application: `/metrics/executors/prometheus` text exactly as PrometheusResource.scala
 * (3.x, without the ConcurrentGC lines of 4.x) writes it, and the `/executors` JSON (ExecutorSummary[]) from the same
 * numbers.
 *
 * Text: an optional `spark_info{version="…", revision="…"} 1.0` line, then per ACTIVE executor 15 lines, 4 more when
 * memoryMetrics is present and 20 more when peakMemoryMetrics is; labels `{application_id="…",
 * application_name="…", executor_id="…"}` joined by ", " and not escaped; no TYPE/HELP lines, no timestamps; every
 * line ends in "\n". Millisecond fields become seconds as `ms * 0.001` printed like Java's Double.toString.
 */

/**
 * Java/Scala `Double.toString`: plain decimal with at least one fraction digit for 1e-3 ≤ |x| < 1e7, otherwise
 * `d.dddE<n>`. Digits are JavaScript's shortest round-trip digits, which JDK 19+ also prints (older JDKs sometimes
 * print one more digit for the same double).
 */
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

const SPARK_REVISION = '6b1ff22dde1ead51cbf370be6e48a802daae58b6';

export function renderPrometheusText(app: SparkApp, sparkVersion: string): string {
  let out = app.sparkInfo ? `spark_info{version="${sparkVersion}", revision="${SPARK_REVISION}"} 1.0\n` : '';
  for (const e of app.executors) {
    if (!e.isActive) continue;
    const labels = `{application_id="${app.appId}", application_name="${app.sparkAppName}", executor_id="${e.id}"}`;
    const put = (name: string, value: string | number) => {
      out += `metrics_executor_${name}${labels} ${value}\n`;
    };
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
    const m = e.memoryMetrics;
    if (m) {
      put('usedOnHeapStorageMemory_bytes', m.usedOnHeapStorageMemory);
      put('usedOffHeapStorageMemory_bytes', m.usedOffHeapStorageMemory);
      put('totalOnHeapStorageMemory_bytes', m.totalOnHeapStorageMemory);
      put('totalOffHeapStorageMemory_bytes', m.totalOffHeapStorageMemory);
    }
    const peak = e.peakMemoryMetrics;
    if (peak) {
      for (const name of PEAK_MEMORY_METRICS) put(`${name}_bytes`, peak[name] ?? 0);
      put('MinorGCCount_total', peak.MinorGCCount ?? 0);
      put('MajorGCCount_total', peak.MajorGCCount ?? 0);
      put('MinorGCTime_seconds_total', scalaDouble((peak.MinorGCTime ?? 0) * 0.001));
      put('MajorGCTime_seconds_total', scalaDouble((peak.MajorGCTime ?? 0) * 0.001));
    }
  }
  return out;
}

/** Spark's JSON date format, e.g. `2020-11-16T06:55:06.718GMT`. */
function sparkDate(ms: number): string {
  return new Date(ms).toISOString().replace('Z', 'GMT');
}

/**
 * Spark REST `ExecutorSummary[]` in api.scala field order (absent Options omitted, as Spark's Jackson mapper does).
 * `/executors` lists the active executors, `/allexecutors` every one.
 */
export function renderExecutorsJson(app: SparkApp, options: { includeInactive?: boolean } = {}): unknown[] {
  return app.executors.filter((e) => options.includeInactive || e.isActive).map((e: SparkExecutor) => {
    const host = e.hostPort.split(':')[0];
    return {
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
      addTime: sparkDate(e.addTimeMs),
      ...(e.removeTimeMs !== undefined ? { removeTime: sparkDate(e.removeTimeMs) } : {}),
      ...(e.removeReason !== undefined ? { removeReason: e.removeReason } : {}),
      executorLogs: {
        stdout: `http://${host}:8042/node/containerlogs/container_${e.id}/trusted-service-user/stdout?start=-4096`,
        stderr: `http://${host}:8042/node/containerlogs/container_${e.id}/trusted-service-user/stderr?start=-4096`,
      },
      ...(e.memoryMetrics ? { memoryMetrics: e.memoryMetrics } : {}),
      blacklistedInStages: [],
      ...(e.peakMemoryMetrics ? { peakMemoryMetrics: peakJson(e.peakMemoryMetrics) } : {}),
      attributes: {},
      resources: {},
      resourceProfileId: 0,
      isExcluded: false,
      excludedInStages: [],
    };
  });
}

/** The JSON map carries every ExecutorMetricType of 3.x, TotalGCTime included (the text has no line for it). */
function peakJson(peak: Record<string, number>): Record<string, number> {
  return { ...peak, TotalGCTime: peak.TotalGCTime ?? (peak.MinorGCTime ?? 0) + (peak.MajorGCTime ?? 0) };
}
