import { baselineCycle } from './synapse-baseline';

/** The baseline as its own process, as a user would run it: `node synapse-baseline-main.js <endpoint> <write url> <concurrency>`. */
async function main(): Promise<void> {
  const [endpoint, writeUrl, concurrency] = process.argv.slice(2);
  if (!endpoint || !writeUrl) throw new Error('usage: synapse-baseline-main <endpoint> <write url> [concurrency]');
  const samples = await baselineCycle(endpoint, writeUrl, Number(concurrency ?? 16));
  process.stdout.write(`${JSON.stringify({ samples })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
