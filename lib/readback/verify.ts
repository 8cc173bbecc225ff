import type { Config } from '../config';
import { EnvReader, type Env } from '../env';
import type { PrometheusQueryClient } from './query-client';
import { formatAge, promDuration } from './time-args';

/** One thing `verify` checks: the collector itself, or one configured target, by a series it always pushes. */
export interface VerifyTarget {
  kind: 'collector' | 'databricks' | 'synapse';
  /** As printed: the collector's instance, the Databricks host, the Synapse workspace name. */
  name: string;
  /** A selector of a series pushed every cycle, up or down. */
  selector: string;
  /** The `lakepulse_target_up{source,target}` of this target. */
  up?: { source: string; target: string };
}

export type Verdict = 'ok' | 'stale' | 'never' | 'down';

export interface TargetCheck {
  target: VerifyTarget;
  verdict: Verdict;
  /** Age of the newest sample; undefined when none in the history searched. */
  ageSeconds?: number;
  /** The diagnosis in words (empty for ok). */
  why: string;
}

export interface VerifyReport {
  checks: TargetCheck[];
  /** Samples dropped or failed in the window: reported, not a freshness failure. */
  warnings: string[];
  withinSeconds: number;
  historySeconds: number;
}

/** How far back `verify` looks for a sample before it says nothing ever arrived. */
const HISTORY_SECONDS = 7 * 86_400;
/** Subquery resolution of that search; at most the default 5-minute lookback so that no sample falls between steps. */
const HISTORY_STEP = '5m';

/**
 * The targets a run with `config` pushes, named exactly as the sources name them: Databricks `job="databricks"`,
 * `instance=<server hostname>`, target `<server hostname>`; Synapse `job="synapse-workspace-<name>"`,
 * `instance=<endpoint host>`, target `<name>`; and the collector's `job="lakepulse"` (its instance only when
 * LAKEPULSE_INSTANCE or WEBSITE_SITE_NAME says which: a laptop's host name is not the Function App's). EXTERNAL_LABELS
 * narrow every selector, as they label every series of the run.
 */
export function verifyPlan(config: Readonly<Config>, env: Env): VerifyPlan {
  const reader = new EnvReader(env);
  const instance = reader.string('LAKEPULSE_INSTANCE') ?? reader.string('WEBSITE_SITE_NAME');
  const external = Object.entries(config.externalLabels).filter(([k]) => !['job', 'instance', 'source', 'target', 'reason'].includes(k));
  const sel = (metric: string, labels: Record<string, string>) => selector(metric, { ...Object.fromEntries(external), ...labels });
  const collectorLabels: Record<string, string> = instance === undefined ? { job: 'lakepulse' } : { job: 'lakepulse', instance };
  const targets: VerifyTarget[] = [
    { kind: 'collector', name: instance ?? 'job=lakepulse', selector: sel('lakepulse_cycle_timestamp_seconds', collectorLabels) },
  ];
  if (config.databricks) {
    const host = config.databricks.serverHostname;
    targets.push({ kind: 'databricks', name: host, selector: sel('databricks_up', { job: 'databricks', instance: host }), up: { source: 'databricks', target: host } });
  }
  for (const ws of config.synapse?.workspaces ?? []) {
    targets.push({
      kind: 'synapse',
      name: ws.name,
      selector: sel('synapse_connector_application_discovery_count', { job: `synapse-workspace-${ws.name}`, instance: new URL(ws.endpoint).host }),
      up: { source: 'synapse', target: ws.name },
    });
  }
  return { targets, collectorMatchers: labelMatchers({ ...Object.fromEntries(external), ...collectorLabels }) };
}

export interface VerifyPlan {
  targets: VerifyTarget[];
  /** Label matchers of the collector's own series (`job="lakepulse"`, its instance and EXTERNAL_LABELS when known). */
  collectorMatchers: string;
}

/** Runs every check at `nowSeconds` (all queries are instant queries at that time). */
export async function verifyFreshness(client: PrometheusQueryClient, plan: VerifyPlan, withinSeconds: number, nowSeconds: number): Promise<VerifyReport> {
  const { targets, collectorMatchers } = plan;
  const within = promDuration(withinSeconds);
  const historySeconds = Math.max(HISTORY_SECONDS, 2 * withinSeconds);
  const history = promDuration(historySeconds);
  const newest = async (t: VerifyTarget): Promise<number | undefined> => {
    // timestamp() of the instant selector sees the last 5 minutes; the subquery finds older samples.
    const answer = await client.query(`max(timestamp(${t.selector}) or max_over_time(timestamp(${t.selector})[${history}:${HISTORY_STEP}]))`, nowSeconds);
    return firstValue(answer.data);
  };
  const [ages, ups, dropped, failed] = await Promise.all([
    Promise.all(targets.map(newest)),
    client.query(`min by (source, target) (last_over_time(lakepulse_target_up{${collectorMatchers}}[${within}]))`, nowSeconds),
    client.query(`sum by (reason) (${counterGrowth(`lakepulse_samples_dropped_total{${collectorMatchers}}`, within, history)}) > 0`, nowSeconds),
    client.query(`sum(${counterGrowth(`lakepulse_samples_failed_total{${collectorMatchers}}`, within, history)}) > 0`, nowSeconds),
  ]);
  const upOf = new Map<string, number>();
  if (ups.data.resultType === 'vector') for (const r of ups.data.result) upOf.set(`${r.metric.source}\u0000${r.metric.target}`, Number(r.value[1]));

  const checks = targets.map((target, i): TargetCheck => {
    const newestSeconds = ages[i];
    const ageSeconds = newestSeconds === undefined ? undefined : Math.max(0, nowSeconds - newestSeconds);
    const up = target.up ? upOf.get(`${target.up.source}\u0000${target.up.target}`) : undefined;
    if (ageSeconds === undefined) {
      if (up === 0) return { target, verdict: 'down', why: downWhy(target) };
      return { target, verdict: 'never', why: neverWhy(target, historySeconds) };
    }
    if (ageSeconds > withinSeconds) return { target, verdict: 'stale', ageSeconds, why: staleWhy(target, withinSeconds) };
    if (up === 0) return { target, verdict: 'down', ageSeconds, why: downWhy(target) };
    return { target, verdict: 'ok', ageSeconds, why: '' };
  });

  const warnings: string[] = [];
  if (dropped.data.resultType === 'vector' && dropped.data.result.length > 0) {
    const byReason = dropped.data.result.map((r) => `${Math.round(Number(r.value[1]))} (${r.metric.reason ?? 'no reason'})`).join(', ');
    warnings.push(
      `samples dropped before sending in the last ${within} (lakepulse_samples_dropped_total by reason): ${byReason}. too_old: they waited longer than 15 minutes (Azure drops samples older than 20); oversize: one series was larger than REMOTE_WRITE_MAX_BYTES_PER_REQUEST`,
    );
  }
  const failedCount = firstValue(failed.data);
  if (failedCount !== undefined) {
    warnings.push(
      `${Math.round(failedCount)} samples not accepted by the receiver in the last ${within} (lakepulse_samples_failed_total): the collector's log has the remote-write error; a 403 means the identity lacks Monitoring Metrics Publisher on the data collection rule`,
    );
  }
  return { checks, warnings, withinSeconds, historySeconds };
}

/**
 * How much a counter grew in the last `within`, counting a series that first appeared inside the window from 0 (which
 * `increase()` cannot: it needs two samples, and a run's first drop is often the counter's first sample). The
 * counters live in the state store, so they never reset while it is kept; a lost store would go negative: clamped.
 */
function counterGrowth(series: string, within: string, history: string): string {
  const latest = `last_over_time(${series}[${within}])`;
  return `clamp_min(${latest} - (last_over_time(${series}[${history}] offset ${within}) or ${latest} * 0), 0)`;
}

function neverWhy(target: VerifyTarget, historySeconds: number): string {
  const what = target.kind === 'collector' ? "the collector's own job=\"lakepulse\" series" : `this target's series (${target.selector})`;
  return (
    `nothing in the last ${formatAge(historySeconds)}: ${what} never arrived. Right after a deployment the role Monitoring Metrics Publisher on the ` +
    'data collection rule can take up to 30 minutes to apply; otherwise REMOTE_WRITE_URL points at another data collection rule (or Azure Monitor workspace) ' +
    'than the one PROMETHEUS_QUERY_URL reads' +
    (target.kind === 'collector' ? '' : ', or the collector does not have this target configured') +
    '. `lakepulse run --once` prints what a cycle collects and pushes.'
  );
}

function staleWhy(target: VerifyTarget, withinSeconds: number): string {
  const schedule = target.kind === 'databricks' ? 'DATABRICKS_SCHEDULE' : target.kind === 'synapse' ? 'SYNAPSE_SCHEDULE' : 'DATABRICKS_SCHEDULE / SYNAPSE_SCHEDULE';
  return `older than --within ${formatAge(withinSeconds)}: it arrived, then stopped. Is the timer still running (${schedule}), or is every run failing? The Function App's log says why.`;
}

function downWhy(target: VerifyTarget): string {
  const hint =
    target.kind === 'databricks'
      ? 'check DATABRICKS_AUTH, CAN USE on the warehouse and the system-table grants'
      : 'the identity needs the Synapse RBAC role Synapse Compute Operator on the workspace';
  return `the collector runs, but lakepulse_target_up{source="${target.up?.source}",target="${target.up?.target}"} is 0: it could not collect this target (${hint}). \`lakepulse run --once --source ${target.kind}\` prints the error.`;
}

function firstValue(data: Awaited<ReturnType<PrometheusQueryClient['query']>>['data']): number | undefined {
  if (data.resultType === 'scalar') return Number(data.result[1]);
  if (data.resultType !== 'vector' || data.result.length === 0) return undefined;
  const v = Number(data.result[0]!.value[1]);
  return Number.isFinite(v) ? v : undefined;
}

/** `metric{k="v",...}` with label values escaped for PromQL. */
export function selector(metric: string, labels: Record<string, string>): string {
  return `${metric}{${labelMatchers(labels)}}`;
}

export function labelMatchers(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');
}
