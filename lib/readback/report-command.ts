import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { UsageError, type CliIo } from '../cli-report';
import { errorMessage } from '../errors';
import { VERSION } from '../version';
import { chartSpec, renderSvg, type ChartPoint } from './report-charts';
import { reportHtml, type PanelOutcome } from './report-html';
import { legendOf, reportPanels, type ReportPanel } from './report-panels';
import { createQueryClient, type PrometheusQueryClient } from './query-client';
import { loadQueryConfig } from './query-config';
import { QueryAccessError } from './query-error';
import type { ReadbackDeps } from './readback-deps';
import { durationFlag, formatAge, promDuration } from './time-args';
import { rfc3339 } from './result-format';

/** Points per line chart the step aims at, and the steps it may take (a 30-day range gets 3 h). */
const TARGET_POINTS = 240;
const NICE_STEPS = [60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86_400];
/** Grafana's $__rate_interval with a 1-minute scrape interval (a one-minute timer): max(step + 1m, 4 × 1m). */
const SCRAPE_INTERVAL_SECONDS = 60;
/** Queries in flight at once (Azure Monitor throttles bursts). */
const CONCURRENCY = 4;

export interface PanelWindow {
  startSeconds: number;
  endSeconds: number;
  stepSeconds: number;
}

/** The report's step for a range: the smallest nice step giving at most TARGET_POINTS points. */
export function reportStep(rangeSeconds: number): number {
  const wanted = rangeSeconds / TARGET_POINTS;
  return NICE_STEPS.find((s) => s >= wanted) ?? Math.ceil(wanted / 86_400) * 86_400;
}

/** Grafana's variables in a panel's PromQL, for this window. */
export function expandGrafanaVariables(expr: string, w: PanelWindow): string {
  const range = w.endSeconds - w.startSeconds;
  return expr
    .replace(/\$__rate_interval\b/g, promDuration(Math.max(w.stepSeconds + SCRAPE_INTERVAL_SECONDS, 4 * SCRAPE_INTERVAL_SECONDS)))
    .replace(/\$__interval\b/g, promDuration(w.stepSeconds))
    .replace(/\$__range\b/g, promDuration(range));
}

/** `lakepulse report --out FILE.html [--range D]`: the report's panels (the dashboards' queries) as one self-contained HTML file. */
export async function runReportCommand(args: readonly string[], io: CliIo, deps: ReadbackDeps = {}): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: { out: { type: 'string' }, range: { type: 'string', default: '30d' } }, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UsageError(errorMessage(err));
  }
  const out = parsed.values.out;
  if (out === undefined || out.trim() === '') throw new UsageError('report needs --out FILE.html');
  const rangeSeconds = durationFlag('--range', parsed.values.range ?? '30d');
  const client = createQueryClient(loadQueryConfig(io.env), deps);
  const endSeconds = Math.floor((deps.now ?? Date.now)() / 1000);
  const window: PanelWindow = { startSeconds: endSeconds - rangeSeconds, endSeconds, stepSeconds: reportStep(rangeSeconds) };

  const outcomes = await mapLimited(reportPanels(), CONCURRENCY, (panel) => panelOutcome(client, panel, window));
  const rangeText = formatAge(rangeSeconds);
  const html = reportHtml({
    title: 'Lakepulse report',
    subtitle: [
      `Last ${rangeText}: ${rfc3339(window.startSeconds)} to ${rfc3339(endSeconds)} (UTC), one point every ${formatAge(window.stepSeconds)} on time series.`,
      `Read from ${client.endpoint} by lakepulse ${VERSION}.`,
    ],
    outcomes,
    rangeText,
  });
  await writeFile(out, html);
  const count = (s: PanelOutcome['status']) => outcomes.filter((o) => o.status === s).length;
  io.stderr(`lakepulse: wrote ${out}: ${outcomes.length} panels, ${count('chart')} with data, ${count('empty')} without, ${count('error')} failed\n`);
  for (const o of outcomes) if (o.status === 'error') io.stderr(`  ${o.panel.title}: ${o.error}\n`);
  return count('error') > 0 ? 1 : 0;
}

async function panelOutcome(client: PrometheusQueryClient, panel: ReportPanel, w: PanelWindow): Promise<PanelOutcome> {
  const exprs = panel.queries.map((q) => expandGrafanaVariables(q.expr, w));
  const points: ChartPoint[] = [];
  const series = new Set<string>();
  const firstDay = rfc3339(w.startSeconds).slice(0, 10);
  try {
    for (const [i, q] of panel.queries.entries()) {
      if (panel.kind === 'daily-bars') {
        const answer = await client.query(exprs[i]!, w.endSeconds);
        if (answer.data.resultType !== 'vector') continue;
        for (const r of answer.data.result) {
          const day = r.metric.usage_date;
          const value = Number(r.value[1]);
          if (day === undefined || day < firstDay || !Number.isFinite(value)) continue;
          const name = legendOf(q.legendFormat, r.metric);
          series.add(name);
          points.push({ x: day, series: name, value });
        }
      } else {
        const answer = await client.queryRange(exprs[i]!, w.startSeconds, w.endSeconds, w.stepSeconds);
        if (answer.data.resultType !== 'matrix') continue;
        for (const r of answer.data.result) {
          const name = legendOf(q.legendFormat, r.metric);
          for (const [t, v] of r.values) {
            const value = Number(v);
            if (!Number.isFinite(value)) continue;
            series.add(name);
            points.push({ x: Math.round(t * 1000), series: name, value });
          }
        }
      }
    }
  } catch (err) {
    // Every other panel would fail the same way: stop with the message that names the settings and the role.
    if (err instanceof QueryAccessError) throw err;
    return { panel, status: 'error', error: errorMessage(err), exprs };
  }
  if (points.length === 0) return { panel, status: 'empty', exprs };
  const svg = await renderSvg(chartSpec(panel.kind, panel.unit, points, [w.startSeconds * 1000, w.endSeconds * 1000]));
  return { panel, status: 'chart', svg, series: series.size, points: points.length, exprs };
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
