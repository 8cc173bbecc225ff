import type { Series } from '../lib/series';

/**
 * Benchmark data shaped like what Lakepulse pushes: Synapse executor metrics with 8 labels per series, one of them
 * a long Azure resource id, 1 sample each. Series of one application come together, as a source produces them.
 */
export function realisticSeries(count: number, timestampMs: number): Series[] {
  const metrics = ['spark_executor_memoryUsed_bytes', 'spark_executor_totalDuration_seconds_total', 'spark_executor_activeTasks'];
  return Array.from({ length: count }, (_, i) => ({
    labels: {
      __name__: metrics[i % 3]!,
      job: 'synapse-workspace-contoso',
      instance: 'contoso.dev.azuresynapse.net',
      workspace_name: 'contoso',
      spark_pool_name: `pool${i % 5}`,
      application_id: `application_1700000000000_${String(Math.floor(i / 40)).padStart(4, '0')}`,
      executor_id: String(i % 40),
      resource_id: `/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-analytics-prod/providers/Microsoft.Synapse/workspaces/contoso/bigDataPools/pool${i % 5}`,
    },
    samples: [{ value: (i * 7919) % 100_000, timestampMs }],
  }));
}
