import type { MetricMetadata, Series } from '../../series';
import type { SynapseConfig, SynapseWorkspace } from './config';
import { appLabels } from './connector-series';
import type { SparkJob } from './discover';
import { parseExecutorsJson } from './executors-json';
import { getText, SynapseHttpError, type GetOptions } from './http';
import type { Limiter } from './limiter';
import { parsePrometheusText, type TextSample } from './prometheus-text';

export interface AppScrape {
  up: boolean;
  /** The application was gone (404) by the time it was scraped: neither up nor down. */
  ended: boolean;
  series: Series[];
  metadata: MetricMetadata[];
  error?: string;
}

/** Bound on the application-name memory (appId → Spark's application_name) kept between cycles. */
const MAX_KNOWN_NAMES = 20_000;

/** Spark's labels the connector keeps; the target's own labels win for the rest. */
const TARGET_LABELS = new Set(['job', 'instance', 'workspace_name', 'spark_pool_name', 'livy_id', 'application_id', 'name']);

/**
 * One application's executors: the Prometheus text, plus `/executors` JSON for what the text lacks
 * (isActive, addTime) and as the whole source when the text comes back empty.
 */
export async function scrapeApplication(
  ws: SynapseWorkspace,
  job: SparkJob,
  config: SynapseConfig,
  http: GetOptions,
  limiter: Limiter,
  base: Record<string, string>,
  nowMs: number,
  appNames?: Map<string, string>,
): Promise<AppScrape> {
  const prefix = `${ws.endpoint}/livyApi/versions/${encodeURIComponent(config.apiVersion)}/sparkpools/${encodeURIComponent(job.pool)}/sessions/${encodeURIComponent(job.livyId)}/applications/${encodeURIComponent(job.appId!)}`;
  const [text, json] = await Promise.allSettled([
    limiter.run(() => getText(`${prefix}/metrics/executors/prometheus?format=html`, http)),
    limiter.run(() => getText(`${prefix}/executors`, http)),
  ]);
  const gone = (r: PromiseSettledResult<string>) => r.status === 'rejected' && r.reason instanceof SynapseHttpError && r.reason.status === 404;
  if (gone(text) && (gone(json) || json.status === 'rejected')) return { up: false, ended: true, series: [], metadata: [] };

  let samples: TextSample[] = [];
  let error: string | undefined;
  const textBody = text.status === 'fulfilled' ? text.value : '';
  const hasText = /\S/.test(textBody.slice(0, 4096)) || (textBody.length > 4096 && textBody.trim() !== '');
  // `/executors` JSON does not carry Spark's application name: use the one the text showed in an earlier cycle.
  const knownName = appNames?.get(job.appId!);
  const fromJson = json.status === 'fulfilled' ? parseExecutorsJson(json.value, job.appId!, knownName, hasText) : undefined;
  if (text.status === 'fulfilled' && hasText) {
    const parsed = parsePrometheusText(textBody);
    if (parsed.samples.length === 0) {
      error = `executor metrics text could not be read (${parsed.badLines} malformed lines)`;
    } else {
      samples = parsed.samples;
      // What the text lacks, from the JSON.
      const appName = samples.find((s) => s.labels.application_name)?.labels.application_name;
      if (appName !== undefined && appNames !== undefined && appName !== knownName) {
        if (appNames.size >= MAX_KNOWN_NAMES) appNames.clear();
        appNames.set(job.appId!, appName);
      }
      for (const s of fromJson?.samples ?? []) samples.push(appName ? { ...s, labels: { ...s.labels, application_name: appName } } : s);
    }
  } else if (fromJson) {
    samples = fromJson.samples; // the text endpoint answered empty (or failed): JSON carries the same numbers
  } else {
    error = text.status === 'rejected' ? errorText(text.reason) : 'executor metrics text was empty and /executors could not be read';
  }
  if (error !== undefined) return { up: false, ended: false, series: [], metadata: [], error };

  const target = appLabels(base, job);
  const series: Series[] = [];
  const families = new Map<string, MetricMetadata>();
  // The parser shares one labels object per executor: merge each with the target labels once.
  const merged = new Map<Record<string, string>, Record<string, string>>();
  for (const s of samples) {
    let family = families.get(s.name);
    if (family === undefined) {
      const renamed = s.name.startsWith('metrics_') ? `spark_${s.name.slice(8)}` : s.name;
      family = { name: renamed, type: renamed.endsWith('_total') ? 'counter' : 'gauge', help: `Spark executor metric ${s.name}, as Spark's /metrics/executors/prometheus reports it.` };
      families.set(s.name, family);
    }
    let template = merged.get(s.labels);
    if (template === undefined) {
      // `__name__` first, so each series' labels are a plain clone of the template (V8's fast object-clone path)
      // with one property overwritten: every series of the executor then shares one hidden class.
      template = { __name__: '' };
      for (const k in s.labels) if (!TARGET_LABELS.has(k)) template[k] = s.labels[k]!;
      Object.assign(template, target);
      merged.set(s.labels, template);
    }
    const labels = { ...template };
    labels.__name__ = family.name;
    series.push({ labels, samples: [{ value: s.value, timestampMs: nowMs }] });
  }
  return { up: true, ended: false, series, metadata: [...families.values()] };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
