/**
 * The baseline Lakepulse's Synapse cycle is measured against: what a hand-rolled collector glued from the npm packages
 * `parse-prometheus-text-format` and `prometheus-remote-write` does for the same work — discover the running
 * applications (paged), read each one's Prometheus text (`concurrency` at a time), push each one's series. These are
 * devDependencies, never used by lib/.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const parseText = require('parse-prometheus-text-format') as (text: string) => Array<{ name: string; metrics: Array<{ value: string; labels?: Record<string, string> }> }>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const prw = require('prometheus-remote-write') as { pushTimeseries(ts: unknown[], options: Record<string, unknown>): Promise<{ status: number }> };

async function limited<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** Returns the samples pushed. */
export async function baselineCycle(endpoint: string, writeUrl: string, concurrency: number): Promise<number> {
  const jobs: Array<{ sparkPoolName: string; livyId: string; sparkApplicationId: string; name: string }> = [];
  for (let skip = 0; ; ) {
    const res = await fetch(`${endpoint}/monitoring/workloadTypes/spark/applications?api-version=2019-11-01-preview&skip=${skip}&filter=${encodeURIComponent("(state eq 'submitting') or (state eq 'inprogress')")}`, { headers: { Authorization: 'Bearer x' } });
    const body = (await res.json()) as { nJobs: number; sparkJobs: typeof jobs };
    jobs.push(...body.sparkJobs);
    skip += body.sparkJobs.length;
    if (skip >= body.nJobs || body.sparkJobs.length === 0) break;
  }
  let samples = 0;
  await limited(jobs, concurrency, async (job) => {
    const url = `${endpoint}/livyApi/versions/2019-11-01-preview/sparkpools/${job.sparkPoolName}/sessions/${job.livyId}/applications/${job.sparkApplicationId}/metrics/executors/prometheus?format=html`;
    const text = await (await fetch(url, { headers: { Authorization: 'Bearer x' } })).text();
    // parse-prometheus-text-format rejects Spark's `", "` label separator: the baseline normalises it first.
    const timeseries = parseText(text.replace(/", /g, '",')).flatMap((family) =>
      family.metrics.map((m) => ({
        labels: { __name__: family.name.replace(/^metrics_/, 'spark_'), ...m.labels, workspace_name: 'loadtest', spark_pool_name: job.sparkPoolName, livy_id: job.livyId, name: job.name },
        samples: [{ value: Number(m.value), timestamp: Date.now() }],
      })),
    );
    samples += timeseries.length;
    const r = await prw.pushTimeseries(timeseries, { url: writeUrl, fetch, headers: { 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0' } });
    if (r.status >= 300) throw new Error(`baseline push failed: ${r.status}`);
  });
  return samples;
}
