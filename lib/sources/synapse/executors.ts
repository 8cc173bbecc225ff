import type { MetricMetadata, SeriesGroup } from '../../series';
import type { SynapseConfig, SynapseWorkspace } from './config';
import { appLabels } from './connector-series';
import type { SparkJob } from './discover';
import { parseExecutorsJson, type JsonExecutors } from './executors-json';
import { getText, SynapseHttpError, type GetOptions } from './http';
import type { Limiter } from './limiter';
import { parsePrometheusText, type TextSample } from './prometheus-text';

export interface AppScrape {
  up: boolean;
  /** The application was gone (404) by the time it was scraped: neither up nor down. */
  ended: boolean;
  /** One per executor. */
  groups: SeriesGroup[];
  metadata: MetricMetadata[];
  error?: string;
}

/** Spark's labels the connector keeps; the target's own labels win for the rest. */
const TARGET_LABELS = new Set(['job', 'instance', 'workspace_name', 'spark_pool_name', 'livy_id', 'application_id', 'name']);

/**
 * What the source remembers about a running application between cycles (in memory only): Spark's application name
 * (the JSON lacks it) and each executor's add time (the text lacks it, and it never changes).
 */
export interface AppMemo {
  name?: string;
  /** executor id → add time (Unix seconds). */
  addTimes: Map<string, number>;
}

/**
 * One application's executors: the Prometheus text, plus `/executors` JSON for what the text lacks (isActive,
 * addTime) — read only when the text shows an executor whose add time is not yet known — and as the whole source
 * when the text comes back empty or fails.
 */
export async function scrapeApplication(
  ws: SynapseWorkspace,
  job: SparkJob,
  config: SynapseConfig,
  http: GetOptions,
  limiter: Limiter,
  base: Record<string, string>,
  nowMs: number,
  memo: AppMemo = { addTimes: new Map() },
  /** The text, when its request was started earlier (readExecutorText). */
  text?: Promise<string>,
): Promise<AppScrape> {
  const prefix = applicationPrefix(ws, job, config);
  const readJson = () => limiter.run(() => getText(`${prefix}/executors`, http));
  let textBody = '';
  let textError: unknown;
  try {
    textBody = await (text ?? readExecutorText(ws, job, config, http, limiter));
  } catch (err) {
    if (isGone(err)) return { up: false, ended: true, groups: [], metadata: [] };
    textError = err;
  }

  let samples: TextSample[];
  if (textError === undefined && hasContent(textBody)) {
    const parsed = parsePrometheusText(textBody);
    if (parsed.samples.length === 0) return down(`executor metrics text could not be read (${parsed.badLines} malformed lines)`);
    samples = parsed.samples;
    // The parser shares one labels object per executor: the extras reuse it.
    const executors = new Map<string, Record<string, string>>();
    let last: Record<string, string> | undefined;
    for (let i = 0; i < samples.length; i++) {
      const labels = samples[i]!.labels;
      if (labels === last) continue; // the lines of one executor come together, sharing one object
      last = labels;
      const id = labels.executor_id;
      if (id !== undefined && !executors.has(id)) executors.set(id, labels);
      if (memo.name === undefined && labels.application_name) memo.name = labels.application_name;
    }
    let unknown = false;
    for (const id of executors.keys()) if (!memo.addTimes.has(id)) unknown = true;
    if (unknown) {
      try {
        rememberAddTimes(memo, parseExecutorsJson(await readJson(), job.appId!, memo.name, true));
      } catch {
        // The extras are unavailable this cycle; the text's numbers stand on their own.
      }
    }
    for (const [id, labels] of executors) {
      // `/executors` lists only active executors, as the text does: every executor shown is active.
      samples.push({ name: 'metrics_executor_isActive', labels, value: 1 });
      const added = memo.addTimes.get(id);
      if (added !== undefined) samples.push({ name: 'metrics_executor_addTime_seconds', labels, value: added });
    }
  } else {
    // The text answered empty (or failed): the JSON carries the same numbers, named as the text names them.
    let fromJson: JsonExecutors | undefined;
    try {
      fromJson = parseExecutorsJson(await readJson(), job.appId!, memo.name, false);
    } catch (err) {
      if (isGone(err)) return { up: false, ended: true, groups: [], metadata: [] };
      return down(textError !== undefined ? errorText(textError) : `executor metrics text was empty and /executors failed: ${errorText(err)}`);
    }
    if (fromJson === undefined) return down(textError !== undefined ? errorText(textError) : 'executor metrics text was empty and /executors was not an executor list');
    rememberAddTimes(memo, fromJson);
    samples = fromJson.samples;
  }

  const target = appLabels(base, job);
  const families = new Map<string, MetricMetadata>();
  // One group per executor (the parser shares one labels object per executor, and its lines come together): the
  // target's labels are merged once per executor, and each line costs a name and a value, not a labels object.
  const groups: SeriesGroup[] = [];
  const byLabels = new Map<Record<string, string>, SeriesGroup>();
  let lastName = '';
  let family: MetricMetadata | undefined;
  let lastLabels: Record<string, string> | undefined;
  let group: SeriesGroup | undefined;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    if (family === undefined || s.name !== lastName) {
      lastName = s.name;
      family = families.get(s.name);
      if (family === undefined) {
        family = familyOf(s.name);
        families.set(s.name, family);
      }
    }
    if (group === undefined || s.labels !== lastLabels) {
      lastLabels = s.labels;
      group = byLabels.get(s.labels);
      if (group === undefined) {
        const labels: Record<string, string> = {};
        for (const k in s.labels) if (k !== '__name__' && !TARGET_LABELS.has(k)) labels[k] = s.labels[k]!;
        Object.assign(labels, target);
        group = { labels, names: [], values: [], timestampMs: nowMs };
        byLabels.set(s.labels, group);
        groups.push(group);
      }
    }
    group.names.push(family.name);
    group.values.push(s.value);
  }
  return { up: true, ended: false, groups, metadata: [...families.values()] };
}

function applicationPrefix(ws: SynapseWorkspace, job: SparkJob, config: SynapseConfig): string {
  return `${ws.endpoint}/livyApi/versions/${encodeURIComponent(config.apiVersion)}/sparkpools/${encodeURIComponent(job.pool)}/sessions/${encodeURIComponent(job.livyId)}/applications/${encodeURIComponent(job.appId!)}`;
}

/** The request for an application's executor metrics text, through the limiter (scrapeApplication's first read). */
export function readExecutorText(ws: SynapseWorkspace, job: SparkJob, config: SynapseConfig, http: GetOptions, limiter: Limiter): Promise<string> {
  return limiter.run(() => getText(`${applicationPrefix(ws, job, config)}/metrics/executors/prometheus?format=html`, http));
}

/** Spark's family names repeat in every application: one metadata object each, shared (bounded; cleared when full). */
const familyCache = new Map<string, MetricMetadata>();
const FAMILY_CACHE_LIMIT = 10_000;

function familyOf(sparkName: string): MetricMetadata {
  let family = familyCache.get(sparkName);
  if (family === undefined) {
    const renamed = sparkName.startsWith('metrics_') ? `spark_${sparkName.slice(8)}` : sparkName;
    family = { name: renamed, type: renamed.endsWith('_total') ? 'counter' : 'gauge', help: `Spark executor metric ${sparkName}, as Spark's /metrics/executors/prometheus reports it.` };
    if (familyCache.size >= FAMILY_CACHE_LIMIT) familyCache.clear();
    familyCache.set(sparkName, family);
  }
  return family;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function down(error: string): AppScrape {
  return { up: false, ended: false, groups: [], metadata: [], error };
}

function isGone(err: unknown): boolean {
  return err instanceof SynapseHttpError && err.status === 404;
}

function hasContent(body: string): boolean {
  return /\S/.test(body.length > 4096 ? body.slice(0, 4096) : body) || (body.length > 4096 && body.trim() !== '');
}

function rememberAddTimes(memo: AppMemo, json: JsonExecutors | undefined): void {
  for (const s of json?.samples ?? []) if (s.name === 'metrics_executor_addTime_seconds' && s.labels.executor_id !== undefined) memo.addTimes.set(s.labels.executor_id, s.value);
}
