import type { MetricMetadata, Series } from '../../series';
import type { SparkJob } from './discover';

/**
 * The Synapse Prometheus connector's own series, so its three dashboards keep working, plus what it never had:
 * application counts by state and one report per application that ended since the previous cycle.
 */
export const connectorMetadata: MetricMetadata[] = [
  { name: 'synapse_connector_application_info', type: 'gauge', help: 'A running Spark application (1), as the Synapse Prometheus connector reported it.' },
  { name: 'synapse_connector_application_submit_time', type: 'gauge', help: 'When the application was submitted (Unix seconds).' },
  { name: 'synapse_connector_application_queue_duration', type: 'gauge', help: 'Seconds the application waited before running.' },
  { name: 'synapse_connector_application_running_duration', type: 'gauge', help: 'Seconds the application has been running.' },
  { name: 'synapse_connector_application_discovery_target', type: 'gauge', help: 'Running applications scraped per Spark pool.' },
  { name: 'synapse_connector_application_discovery_count', type: 'counter', help: 'Application discoveries run for the workspace.' },
  { name: 'synapse_connector_application_discovery_failed_count', type: 'counter', help: 'Application discoveries that failed for the workspace.' },
  { name: 'synapse_connector_application_discovery_duration', type: 'gauge', help: 'Seconds the last application discovery took (a gauge; the connector had a histogram).' },
  { name: 'synapse_spark_applications', type: 'gauge', help: 'Spark applications running or queued now, and those that ended since the previous cycle, by state and job type.' },
  { name: 'synapse_application_ended_info', type: 'gauge', help: 'An application that ended since the previous cycle (1), with its final result; reported once.' },
  { name: 'synapse_application_queue_duration_seconds', type: 'gauge', help: 'Queue time of an application that ended since the previous cycle.' },
  { name: 'synapse_application_running_duration_seconds', type: 'gauge', help: 'Running time of an application that ended since the previous cycle.' },
  { name: 'synapse_application_total_duration_seconds', type: 'gauge', help: 'Total time of an application that ended since the previous cycle.' },
  { name: 'up', type: 'gauge', help: '1 when the application executor metrics were collected, else 0.' },
];

export function appLabels(base: Record<string, string>, job: SparkJob): Record<string, string> {
  return { ...base, spark_pool_name: job.pool, livy_id: job.livyId, application_id: job.appId ?? '', name: job.name };
}

export function runningAppSeries(base: Record<string, string>, job: SparkJob, nowMs: number): Series[] {
  const labels = appLabels(base, job);
  const out: Series[] = [{ labels: { __name__: 'synapse_connector_application_info', ...labels }, samples: [{ value: 1, timestampMs: nowMs }] }];
  const put = (name: string, v: number | undefined) => {
    if (v !== undefined) out.push({ labels: { __name__: name, ...labels }, samples: [{ value: v, timestampMs: nowMs }] });
  };
  put('synapse_connector_application_submit_time', job.submitTimeMs !== undefined ? job.submitTimeMs / 1000 : undefined);
  put('synapse_connector_application_queue_duration', job.queuedSeconds);
  put('synapse_connector_application_running_duration', job.runningSeconds);
  return out;
}

export function endedAppSeries(base: Record<string, string>, job: SparkJob, nowMs: number): Series[] {
  const labels = { ...appLabels(base, job), job_type: job.jobType };
  const out: Series[] = [{ labels: { __name__: 'synapse_application_ended_info', ...labels, result: job.state }, samples: [{ value: 1, timestampMs: nowMs }] }];
  const put = (name: string, v: number | undefined) => {
    if (v !== undefined) out.push({ labels: { __name__: name, ...labels }, samples: [{ value: v, timestampMs: nowMs }] });
  };
  put('synapse_application_queue_duration_seconds', job.queuedSeconds);
  put('synapse_application_running_duration_seconds', job.runningSeconds);
  put('synapse_application_total_duration_seconds', job.totalSeconds);
  return out;
}

/** Counts by (pool, state, job type). */
export function applicationCounts(base: Record<string, string>, jobs: readonly SparkJob[], nowMs: number): Series[] {
  const counts = new Map<string, { pool: string; state: string; jobType: string; n: number }>();
  for (const j of jobs) {
    const key = `${j.pool}\u0000${j.state}\u0000${j.jobType}`;
    const c = counts.get(key) ?? { pool: j.pool, state: j.state, jobType: j.jobType, n: 0 };
    c.n += 1;
    counts.set(key, c);
  }
  return [...counts.values()].map((c) => ({
    labels: { __name__: 'synapse_spark_applications', ...base, spark_pool_name: c.pool, state: c.state, job_type: c.jobType },
    samples: [{ value: c.n, timestampMs: nowMs }],
  }));
}
