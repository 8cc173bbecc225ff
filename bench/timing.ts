/** Timing helpers shared by the benchmarks: warm up, repeat, report the median. */
export async function medianMs(fn: () => unknown | Promise<unknown>, runs = 7, warmup = 2): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export function report(name: string, ratio: number, unit: string, detail?: string): void {
  process.stdout.write(`BENCH ${name} ${ratio.toFixed(2)} ${unit}\n`);
  if (detail) process.stdout.write(`# ${detail}\n`);
}

export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
