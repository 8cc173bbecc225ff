import { parseArgs } from 'node:util';
import { UsageError, type CliIo } from '../cli-report';
import { errorMessage } from '../errors';
import type { ReadbackDeps } from './readback-deps';
import { createQueryClient } from './query-client';
import { loadQueryConfig } from './query-config';
import type { QueryAnswer } from './query-result';
import { formatCsv, formatTable, toLongTable } from './result-format';
import { durationFlag, timeFlag } from './time-args';

/** Points a range query without --step aims at (Prometheus refuses more than 11,000). */
const DEFAULT_POINTS = 250;

/** `lakepulse query '<PromQL>' [--time T | --start T [--end T] [--step D]] [--format table|csv|json]` */
export async function runQueryCommand(args: readonly string[], io: CliIo, deps: ReadbackDeps = {}): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        start: { type: 'string' },
        end: { type: 'string' },
        step: { type: 'string' },
        time: { type: 'string' },
        format: { type: 'string', default: 'table' },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    throw new UsageError(errorMessage(err));
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1 || positionals[0]!.trim() === '') throw new UsageError("query takes exactly one PromQL expression (quote it: lakepulse query 'up')");
  const promql = positionals[0]!;
  const format = values.format ?? 'table';
  if (format !== 'table' && format !== 'csv' && format !== 'json') throw new UsageError(`--format must be table, csv or json (got ${JSON.stringify(format)})`);
  const nowSeconds = (deps.now ?? Date.now)() / 1000;
  const isRange = values.start !== undefined || values.end !== undefined || values.step !== undefined;
  if (isRange && values.time !== undefined) throw new UsageError('--time is for an instant query; a range query takes --start, --end and --step');
  if (isRange && values.start === undefined) throw new UsageError('a range query needs --start (--end defaults to now, --step to the range / 250)');

  const config = loadQueryConfig(io.env);
  const client = createQueryClient(config, deps);
  let answer: QueryAnswer;
  if (isRange) {
    const start = timeFlag('--start', values.start!, nowSeconds);
    const end = values.end === undefined ? nowSeconds : timeFlag('--end', values.end, nowSeconds);
    if (!(end > start)) throw new UsageError('--end must be after --start');
    const step = values.step === undefined ? Math.max(1, Math.ceil((end - start) / DEFAULT_POINTS)) : durationFlag('--step', values.step);
    answer = await client.queryRange(promql, start, end, step);
  } else {
    answer = await client.query(promql, values.time === undefined ? undefined : timeFlag('--time', values.time, nowSeconds));
  }
  for (const w of answer.warnings) io.stderr(`lakepulse: warning from the query API: ${w}\n`);
  if (format === 'json') {
    io.stdout(JSON.stringify(answer.rawData) + '\n');
    return 0;
  }
  const table = toLongTable(answer.data);
  if (format === 'csv') io.stdout(formatCsv(table));
  else if (table.rows.length === 0) io.stderr('lakepulse: the query returned no data\n');
  else io.stdout(formatTable(table, answer.data.resultType));
  return 0;
}
