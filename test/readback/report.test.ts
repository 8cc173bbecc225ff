import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCli } from '../../lib/cli';
import { silentLogger } from '../../lib/log';
import { expandGrafanaVariables, reportStep } from '../../lib/readback/report-command';
import { allValues, dashboardQueries } from '../../lib/readback/dashboard-queries';
import { reportPanels } from '../../lib/readback/report-panels';

const REPORT_PANELS = reportPanels();
import { startChromium } from '../support/chromium';
import { decodePng, pixelVariety } from '../support/png';
import { startQueryEndpoint } from '../support/query-proxy';
import { captured, readbackFixtureForSuite } from '../support/readback-fixture';

/** `lakepulse report` from a real Prometheus filled by six real cycles, opened in the system's headless Chromium. */
const f = readbackFixtureForSuite(async (fixture) => {
  for (const minutes of [10, 8, 6, 4, 2, 0]) assert.equal((await fixture.cycle({ agoMs: minutes * 60_000 })).failedSamples, 0);
});

const TITLES = [
  'Cost per workspace per day (USD)',
  'DBUs by SKU per day',
  'Job runs',
  'Job failure ratio',
  'Pipeline runs',
  'Pipeline failure ratio',
  'Query p95 duration (s)',
  'Query errors',
  'Running Synapse applications by pool',
  'Executor memory used by pool',
  'Collector cycles',
  'Samples pushed and failed',
  'Targets down',
];

let dir: string | undefined;
async function outDir(): Promise<string> {
  dir ??= await mkdtemp(join(tmpdir(), 'lakepulse-report-'));
  return dir;
}
after(async () => {
  if (dir && !process.env.LAKEPULSE_KEEP_REPORT) await rm(dir, { recursive: true, force: true });
});

function lakepulse(args: string[], extra: Record<string, string | undefined> = {}) {
  return captured((io) => runCli(args, { ...io, log: silentLogger }), { ...f.env, ...extra });
}

test('the panel table has the titles the dashboards use, each with PromQL', () => {
  assert.deepEqual(REPORT_PANELS.map((p) => p.title), TITLES);
  for (const p of REPORT_PANELS) assert.ok(p.queries.length > 0 && p.queries.every((q) => q.expr.length > 0), p.title);
  const w = { startSeconds: 0, endSeconds: 30 * 86_400, stepSeconds: reportStep(30 * 86_400) };
  assert.equal(w.stepSeconds, 3 * 3600);
  assert.equal(expandGrafanaVariables('x[$__range] y[$__interval] z[$__rate_interval]', w), 'x[30d] y[3h] z[181m]');
});

test('the report draws exactly the dashboards\' PromQL for every shared panel, and refuses to drift from them', () => {
  const fromDashboards = dashboardQueries();
  for (const p of REPORT_PANELS) {
    assert.deepEqual(p.queries.map((q) => q.expr), fromDashboards.get(p.title)!.map(allValues), p.title);
    for (const q of p.queries) assert.doesNotMatch(q.expr, /\$(?!__)\w/, `${p.title}: no template variable left`);
  }
  const cost = fromDashboards.get('Cost per workspace per day (USD)')!;
  assert.match(allValues(cost[0]!), /workspace_id=~"\.\*"/, 'a $workspace selector means every workspace');
  const drifted = new Map(fromDashboards);
  drifted.delete('Job runs');
  assert.throws(() => reportPanels(drifted), /report panel "Job runs": the dashboards have no queries for it/);
  drifted.set('Job runs', ['a', 'b']);
  assert.throws(() => reportPanels(drifted), /the dashboards have 2 queries for it, the report draws 1/);
});

test('report writes one self-contained HTML file that Chromium draws with every chart, no console error and no request', async () => {
  const out = join(await outDir(), 'report.html');
  const r = await lakepulse(['report', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /wrote .*report\.html: 13 panels, 13 with data, 0 without, 0 failed/);
  const html = await readFile(out, 'utf8');
  assert.ok(!/<script|<link|<img|<iframe|\bsrc=|@import|url\(/i.test(html), 'nothing to load: no script, stylesheet, image or URL reference');
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'/);

  // The seed's question: cost per workspace per day. One bar segment per (workspace, day) the API has in the range.
  const firstDay = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
  const cost = (await f.prom.query('sum by (workspace_id, usage_date) (last_over_time(databricks_billing_cost_estimate_usd{job="databricks"}[1d]))')).filter(
    (s) => s.metric.usage_date! >= firstDay,
  );
  assert.ok(cost.length >= 30, `a month of daily costs (${cost.length})`);
  const workspaces = new Set(cost.map((s) => s.metric.workspace_id));

  const browser = await startChromium();
  try {
    const page = await browser.context.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    await browser.context.route('**/*', (route) => {
      requests.push(route.request().url());
      return route.request().url() === pathToFileURL(out).href ? route.continue() : route.abort();
    });
    await page.goto(pathToFileURL(out).href, { waitUntil: 'load' });

    const panels = await page.$$eval('section.panel', (sections) =>
      sections.map((s) => {
        const svg = s.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return {
          title: s.querySelector('h3')?.textContent ?? '',
          status: s.getAttribute('data-status'),
          marks: s.querySelectorAll('svg g.role-mark path, svg g.role-mark line').length,
          bars: s.querySelectorAll('svg g.mark-rect.role-mark path').length,
          legend: [...s.querySelectorAll('svg g.role-legend-label text')].map((t) => t.textContent ?? ''),
          width: box?.width ?? 0,
          height: box?.height ?? 0,
        };
      }),
    );
    assert.deepEqual(panels.map((p) => p.title), TITLES);
    for (const p of panels) {
      assert.equal(p.status, 'chart', p.title);
      assert.ok(p.marks > 0, `${p.title} draws marks`);
      assert.ok(p.width > 300 && p.height > 150, `${p.title} has a visible chart (${p.width}×${p.height})`);
    }
    const costPanel = panels[0]!;
    assert.equal(costPanel.bars, cost.length, 'a stacked bar segment per workspace and day');
    assert.deepEqual(new Set(costPanel.legend), workspaces, 'one legend entry per workspace');
    assert.ok(panels[8]!.legend.some((l) => l.startsWith('contoso/')) && panels[8]!.legend.some((l) => l.startsWith('fabrikam/')), 'Synapse pools of both workspaces');

    const png = await page.screenshot({ fullPage: true, type: 'png' });
    if (process.env.LAKEPULSE_KEEP_REPORT) await writeFile(join(await outDir(), 'report.png'), png);
    const variety = pixelVariety(decodePng(png));
    assert.ok(variety.colours > 200, `the screenshot has many colours (${variety.colours})`);
    assert.ok(variety.nonBackgroundShare > 0.2, `the screenshot is not blank (${(variety.nonBackgroundShare * 100).toFixed(1)} % non-background)`);
    assert.deepEqual(problems, []);
    assert.deepEqual(requests, [pathToFileURL(out).href], 'the page loads nothing but itself');
  } finally {
    await browser.close();
  }
});

test('a panel whose query returns nothing says so in words; a failing query is shown in its panel and exits 1', async () => {
  const endpoint = await startQueryEndpoint((req, res) => {
    const query = new URLSearchParams(req.body).get('query') ?? '';
    if (query.includes('lakepulse_target_up')) {
      res.writeHead(422, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status: 'error', errorType: 'execution', error: 'query processing would load too many samples' }));
      return;
    }
    const resultType = req.path === '/api/v1/query' ? 'vector' : 'matrix';
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { resultType, result: [] } }));
  });
  try {
    const out = join(await outDir(), 'empty.html');
    const r = await lakepulse(['report', '--out', out, '--range', '7d'], { PROMETHEUS_QUERY_URL: endpoint.url });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /13 panels, 0 with data, 12 without, 1 failed\n {2}Targets down: execution: query processing would load too many samples/);
    const html = await readFile(out, 'utf8');
    assert.equal(html.match(/No data: the query returned nothing for the last 7d\./g)?.length, 12);
    assert.match(html, /<h3>Targets down<\/h3><p class="error">The query failed: execution: query processing would load too many samples<\/p>/);
    assert.equal(html.match(/<svg/g), null, 'no empty chart frames');
    assert.ok(endpoint.seen.every((s) => s.method === 'POST' && s.contentType === 'application/x-www-form-urlencoded'));
  } finally {
    await endpoint.close();
  }
});

test('report against an endpoint answering 403 stops with the access message and writes nothing', async () => {
  const endpoint = await startQueryEndpoint((_req, res) => void res.writeHead(403).end());
  try {
    const out = join(await outDir(), 'denied.html');
    const r = await lakepulse(['report', '--out', out], { PROMETHEUS_QUERY_URL: endpoint.url, PROMETHEUS_QUERY_AUTH: 'azure' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /answered HTTP 403: the identity \(PROMETHEUS_QUERY_AUTH=azure\) needs the role Monitoring Data Reader/);
    await assert.rejects(readFile(out), { code: 'ENOENT' });
  } finally {
    await endpoint.close();
  }
});
