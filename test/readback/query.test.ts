import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../../lib/cli';
import { silentLogger } from '../../lib/log';
import { AZURE_PROMETHEUS_QUERY_SCOPE } from '../../lib/readback/query-config';
import { authorizingProxy, startQueryEndpoint } from '../support/query-proxy';
import { captured, readbackFixtureForSuite } from '../support/readback-fixture';

/** `lakepulse query` against a real Prometheus filled by three real cycles over the emulators. */
const f = readbackFixtureForSuite(async (fixture) => {
  for (const agoMs of [120_000, 60_000, 0]) {
    const report = await fixture.cycle({ agoMs });
    assert.equal(report.failedSamples, 0);
  }
});

function lakepulse(args: string[], extra: Record<string, string | undefined> = {}) {
  return captured((io) => runCli(args, { ...io, log: silentLogger }), { ...f.env, ...extra });
}

/** The API's own answer to a GET, for comparison with what `lakepulse query` POSTed and printed. */
async function apiData(path: string, params: Record<string, string>): Promise<unknown> {
  const body = (await (await fetch(`${f.prom.baseUrl}${path}?${new URLSearchParams(params)}`)).json()) as { status: string; data: unknown };
  assert.equal(body.status, 'success');
  return body.data;
}

type Series = { metric: Record<string, string>; values?: Array<[number, string]>; value?: [number, string] };

/** A minimal RFC 4180 reader (quotes, doubled quotes, commas and newlines inside quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n') row.push(field), rows.push(row), (row = []), (field = '');
    else field += c;
  }
  assert.equal(field, '', 'CSV ends with a newline');
  return rows;
}

const nowS = () => Math.floor(Date.now() / 1000);

test('--format json prints the data object of the API unchanged, instant and range', async () => {
  const t = String(nowS());
  const instant = await lakepulse(['query', 'databricks_job_runs_total', '--time', t, '--format', 'json']);
  assert.equal(instant.code, 0, instant.stderr);
  assert.deepEqual(JSON.parse(instant.stdout), await apiData('/api/v1/query', { query: 'databricks_job_runs_total', time: t }));

  const start = String(nowS() - 300);
  const end = String(nowS());
  const range = await lakepulse(['query', 'sum by (workspace_name) (spark_executor_memoryUsed_bytes)', '--start', start, '--end', end, '--step', '30s', '--format', 'json']);
  assert.equal(range.code, 0, range.stderr);
  const expected = await apiData('/api/v1/query_range', { query: 'sum by (workspace_name) (spark_executor_memoryUsed_bytes)', start, end, step: '30' });
  assert.deepEqual(JSON.parse(range.stdout), expected);
  assert.equal((expected as { result: unknown[] }).result.length, 2, 'both Synapse workspaces are in the answer');
});

test('--format csv is long format: timestamp (RFC 3339), one column per label, value; it parses back to the API answer', async () => {
  const start = String(nowS() - 180);
  const end = String(nowS());
  const promql = 'databricks_query_duration_seconds';
  const r = await lakepulse(['query', promql, '--start', start, '--end', end, '--step', '15s', '--format', 'csv']);
  assert.equal(r.code, 0, r.stderr);
  const data = (await apiData('/api/v1/query_range', { query: promql, start, end, step: '15' })) as { resultType: string; result: Series[] };
  assert.equal(data.resultType, 'matrix');
  const [header, ...rows] = parseCsv(r.stdout);
  const labelNames = [...new Set(data.result.flatMap((s) => Object.keys(s.metric)))].sort((a, b) => (a === '__name__' ? -1 : b === '__name__' ? 1 : a.localeCompare(b)));
  assert.deepEqual(header, ['timestamp', ...labelNames, 'value']);
  const fromApi = data.result.flatMap((s) => s.values!.map(([t, v]) => JSON.stringify([t * 1000, ...labelNames.map((n) => s.metric[n] ?? ''), v]))).sort();
  const fromCsv = rows.map((row) => {
    assert.match(row[0]!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'RFC 3339 timestamp');
    return JSON.stringify([Date.parse(row[0]!), ...row.slice(1)]);
  }).sort();
  assert.ok(fromApi.length >= 9 * 3, `several points per series (${fromApi.length})`);
  assert.deepEqual(fromCsv, fromApi);
});

test('--format csv of an instant vector has one row per series and quotes what needs quoting', async () => {
  const promql = 'label_replace(databricks_job_runs_total, "note", "a,b \\"c\\"", "", "")';
  const t = String(nowS());
  const r = await lakepulse(['query', promql, '--time', t, '--format', 'csv']);
  assert.equal(r.code, 0, r.stderr);
  const data = (await apiData('/api/v1/query', { query: promql, time: t })) as { result: Series[] };
  const [header, ...rows] = parseCsv(r.stdout);
  assert.deepEqual(header, ['timestamp', '__name__', 'instance', 'job', 'note', 'workspace_id', 'value']);
  assert.equal(rows.length, data.result.length);
  for (const row of rows) {
    assert.equal(row[1], 'databricks_job_runs_total');
    assert.equal(row[4], 'a,b "c"');
    const s = data.result.find((x) => x.metric.workspace_id === row[5])!;
    assert.equal(row[6], s.value![1]);
    assert.equal(Date.parse(row[0]!), s.value![0] * 1000);
  }
});

test('--format table (the default) prints aligned columns with every series and value', async () => {
  const t = String(nowS());
  const r = await lakepulse(['query', 'sum by (workspace_id) (databricks_query_errors_total)', '--time', t]);
  assert.equal(r.code, 0, r.stderr);
  const data = (await apiData('/api/v1/query', { query: 'sum by (workspace_id) (databricks_query_errors_total)', time: t })) as { result: Series[] };
  const [at, header, ...lines] = r.stdout.trimEnd().split('\n');
  assert.match(at!, /^at \d{4}-\d{2}-\d{2}T/);
  assert.match(header!, /^workspace_id\s+value$/);
  assert.equal(lines.length, data.result.length);
  for (const s of data.result) assert.ok(lines.some((l) => l.startsWith(s.metric.workspace_id!) && l.endsWith(` ${s.value![1]}`)), `row for ${s.metric.workspace_id}`);
  assert.equal(new Set([header, ...lines].map((l) => l!.length)).size, 1, 'values right-aligned in one column');
});

test('a PromQL error exits 1 and shows the errorType and error of the API', async () => {
  const r = await lakepulse(['query', 'sum(rate(']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /bad_data: .*parse error/);
});

test('configuration errors exit 2 and name the setting; bad flags exit 2 with usage', async () => {
  const noUrl = await lakepulse(['query', 'up'], { PROMETHEUS_QUERY_URL: undefined });
  assert.equal(noUrl.code, 2);
  assert.match(noUrl.stderr, /PROMETHEUS_QUERY_URL must be set/);
  const noToken = await lakepulse(['query', 'up'], { PROMETHEUS_QUERY_AUTH: 'bearer' });
  assert.equal(noToken.code, 2);
  assert.match(noToken.stderr, /PROMETHEUS_QUERY_BEARER_TOKEN must be set/);
  const badFormat = await lakepulse(['query', 'up', '--format', 'xml']);
  assert.equal(badFormat.code, 2);
  assert.match(badFormat.stderr, /--format must be table, csv or json/);
  const badStart = await lakepulse(['query', 'up', '--start', 'yesterday']);
  assert.equal(badStart.code, 2);
  assert.match(badStart.stderr, /--start must be RFC 3339/);
});

test('PROMETHEUS_QUERY_AUTH=azure asks the managed identity for https://prometheus.monitor.azure.com/.default and sends that token', async () => {
  const resource = AZURE_PROMETHEUS_QUERY_SCOPE.replace(/\/\.default$/, '');
  const proxy = await authorizingProxy(f.prom.baseUrl, (token) => f.identity.verify(token, resource));
  try {
    const before = f.identity.issued.length;
    const t = String(nowS());
    const r = await lakepulse(['query', 'count(databricks_up)', '--time', t, '--format', 'json'], { PROMETHEUS_QUERY_URL: proxy.url, PROMETHEUS_QUERY_AUTH: 'azure' });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), await apiData('/api/v1/query', { query: 'count(databricks_up)', time: t }));
    assert.deepEqual(f.identity.issued.slice(before).map((i) => i.resource), ['https://prometheus.monitor.azure.com']);
    assert.equal(proxy.seen.length, 1);
    const seen = proxy.seen[0]!;
    assert.equal(seen.method, 'POST');
    assert.equal(seen.path, '/api/v1/query');
    assert.equal(seen.contentType, 'application/x-www-form-urlencoded');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(seen.body)), { query: 'count(databricks_up)', time: t });
    assert.ok(!r.stdout.includes(seen.authorization!.slice(7)) && !r.stderr.includes(seen.authorization!.slice(7)), 'the token is never printed');

    // The same endpoint without a token refuses, and the message names the settings, not a secret.
    const refused = await lakepulse(['query', 'up'], { PROMETHEUS_QUERY_URL: proxy.url, PROMETHEUS_QUERY_AUTH: 'none' });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /PROMETHEUS_QUERY_URL http:\/\/127\.0\.0\.1:\d+\/ answered HTTP 401 .*set PROMETHEUS_QUERY_AUTH/);
  } finally {
    await proxy.close();
  }
});

test('a 403 exits 1 with a message naming PROMETHEUS_QUERY_URL, PROMETHEUS_QUERY_AUTH and Monitoring Data Reader, never the token', async () => {
  const secret = 'tok-3f9a1c-do-not-print';
  const endpoint = await startQueryEndpoint((_req, res) => {
    res.writeHead(403, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { code: 'AuthorizationFailed', message: 'The client does not have authorization to perform action' } }));
  });
  try {
    for (const auth of [{ PROMETHEUS_QUERY_AUTH: 'bearer', PROMETHEUS_QUERY_BEARER_TOKEN: secret }, { PROMETHEUS_QUERY_AUTH: 'azure' }]) {
      const r = await lakepulse(['query', 'up'], { PROMETHEUS_QUERY_URL: `${endpoint.url}/`, ...auth });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /PROMETHEUS_QUERY_URL http:\/\/127\.0\.0\.1:\d+\/ answered HTTP 403 \(The client does not have authorization/);
      assert.match(r.stderr, /PROMETHEUS_QUERY_AUTH=(bearer|azure)/);
      assert.match(r.stderr, /Monitoring Data Reader/);
      assert.ok(!r.stderr.includes(secret) && !r.stdout.includes(secret));
    }
    assert.equal(endpoint.seen[0]!.authorization, `Bearer ${secret}`);
  } finally {
    await endpoint.close();
  }
});

test('a redirect (Grafana sending to its login page) is not followed and says which settings to check', async () => {
  const endpoint = await startQueryEndpoint((_req, res) => void res.writeHead(302, { Location: '/login?redirect=%2Fapi' }).end());
  try {
    const r = await lakepulse(['query', 'up'], { PROMETHEUS_QUERY_URL: `${endpoint.url}/api/datasources/proxy/uid/p1`, PROMETHEUS_QUERY_AUTH: 'bearer', PROMETHEUS_QUERY_BEARER_TOKEN: 'glsa_secret' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /answered HTTP 302, a redirect to http:\/\/127\.0\.0\.1:\d+\/login: .*PROMETHEUS_QUERY_AUTH/);
    assert.ok(!r.stderr.includes('glsa_secret'));
    assert.equal(endpoint.seen.length, 1, 'not followed');
  } finally {
    await endpoint.close();
  }
});

test('an answer that is not the Prometheus API (an HTML login page) is a query error, not a crash', async () => {
  const endpoint = await startQueryEndpoint((_req, res) => void res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html><body>Sign in</body></html>'));
  try {
    const r = await lakepulse(['query', 'up'], { PROMETHEUS_QUERY_URL: endpoint.url });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /answered HTTP 200 that is not a Prometheus API answer \(not JSON\)/);
  } finally {
    await endpoint.close();
  }
});
