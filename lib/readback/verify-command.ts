import { parseArgs } from 'node:util';
import { UsageError, type CliIo } from '../cli-report';
import { loadConfig } from '../config';
import { errorMessage } from '../errors';
import { createQueryClient } from './query-client';
import { loadQueryConfig } from './query-config';
import type { ReadbackDeps } from './readback-deps';
import { durationFlag, formatAge } from './time-args';
import { verifyFreshness, verifyPlan, type Verdict } from './verify';

const LABEL: Record<Verdict, string> = { ok: 'OK', stale: 'STALE', never: 'NEVER', down: 'DOWN' };

/**
 * `lakepulse verify [--within D]`: with the configuration a run uses, did every configured target and the collector
 * itself arrive within D (default 15m)? One line per target; exit 0 when all are fresh, 1 otherwise.
 */
export async function runVerifyCommand(args: readonly string[], io: CliIo, deps: ReadbackDeps = {}): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: { within: { type: 'string', default: '15m' } }, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UsageError(errorMessage(err));
  }
  const withinSeconds = durationFlag('--within', parsed.values.within ?? '15m');
  const queryConfig = loadQueryConfig(io.env);
  // The run's own configuration names the targets; REMOTE_WRITE_URL is not needed to read back.
  const config = loadConfig(io.env, { dryRun: true });
  const plan = verifyPlan(config, io.env);
  const client = createQueryClient(queryConfig, deps);
  const nowSeconds = (deps.now ?? Date.now)() / 1000;

  io.stdout(`lakepulse verify: ${client.endpoint}, samples newer than ${formatAge(withinSeconds)}\n`);
  if (!config.databricks && !config.synapse) {
    io.stdout('  (no source configured: DATABRICKS_SERVER_HOSTNAME and SYNAPSE_WORKSPACES are unset, so only the collector is checked)\n');
  }
  const report = await verifyFreshness(client, plan, withinSeconds, nowSeconds);
  const nameWidth = Math.max(...report.checks.map((c) => c.target.name.length), 10);
  for (const c of report.checks) {
    const age = c.ageSeconds === undefined ? 'no sample' : `newest sample ${formatAge(c.ageSeconds)} ago`;
    io.stdout(`  ${LABEL[c.verdict].padEnd(5)}  ${c.target.kind.padEnd(10)}  ${c.target.name.padEnd(nameWidth)}  ${age}${c.why ? `\n         ${c.why}` : ''}\n`);
  }
  for (const w of report.warnings) io.stdout(`  WARN   ${w}\n`);
  const bad = report.checks.filter((c) => c.verdict !== 'ok').length;
  io.stdout(bad === 0 ? `lakepulse verify: all ${report.checks.length} fresh\n` : `lakepulse verify: ${bad} of ${report.checks.length} not fresh\n`);
  return bad === 0 ? 0 : 1;
}
