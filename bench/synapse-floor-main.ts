import { Agent, request } from 'node:http';

/**
 * The floor of the whole-process comparison (synapse-process.bench.ts): a process that only makes the requests a
 * Synapse cycle must make — the monitoring list's pages (the first, then the rest at once) and each application's
 * executor text, `concurrency` at a time, over keep-alive connections — and throws the bodies away: no token, no
 * parsing, no state, no push. No collector can finish before it; what ours takes beyond it is its own cost.
 * `node synapse-floor-main.js <endpoint> <concurrency>`.
 */
const agent = new Agent({ keepAlive: true });

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, { agent, headers: { Authorization: 'Bearer x' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

interface Page {
  nJobs: number;
  sparkJobs: Array<{ sparkPoolName: string; livyId: number | string; sparkApplicationId: string }>;
}

async function main(): Promise<void> {
  const [endpoint, concurrencyArg] = process.argv.slice(2);
  if (!endpoint) throw new Error('usage: synapse-floor-main <endpoint> [concurrency]');
  const concurrency = Number(concurrencyArg ?? 16);
  const filter = encodeURIComponent("(state eq 'submitting') or (state eq 'inprogress')");
  const list = (skip: number) => `${endpoint}/monitoring/workloadTypes/spark/applications?api-version=2019-11-01-preview&skip=${skip}&filter=${filter}`;
  const first = JSON.parse(await get(list(0))) as Page;
  const skips: number[] = [];
  for (let skip = first.sparkJobs.length; skip < first.nJobs && first.sparkJobs.length > 0; skip += first.sparkJobs.length) skips.push(skip);
  const rest = await Promise.all(skips.map(async (skip) => (JSON.parse(await get(list(skip))) as Page).sparkJobs));
  const jobs = [first.sparkJobs, ...rest].flat();
  let next = 0;
  let bytes = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < jobs.length) {
        const j = jobs[next++]!;
        bytes += (await get(`${endpoint}/livyApi/versions/2019-11-01-preview/sparkpools/${j.sparkPoolName}/sessions/${j.livyId}/applications/${j.sparkApplicationId}/metrics/executors/prometheus?format=html`)).length;
      }
    }),
  );
  process.stdout.write(`${JSON.stringify({ applications: jobs.length, bytes })}\n`);
  agent.destroy();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
