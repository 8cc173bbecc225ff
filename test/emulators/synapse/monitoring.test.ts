import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSynapseEmulator, type SparkApp, type SynapseEmulator } from '../../../lib/emulators/synapse';
import { endpointOf, get, list, listAll, listUrl } from './client';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
let emu: SynapseEmulator;
before(async () => {
  emu = await startSynapseEmulator({ nowMs: NOW, pageSize: 5 });
});
after(async () => {
  await emu.close();
});

const apps = (ws: string): SparkApp[] => emu.data.workspaces.find((w) => w.name === ws)!.apps;
const keyOf = (row: Record<string, unknown>) => `${String(row.sparkPoolName)}/${String(row.livyId)}`;
const keysOf = (list: SparkApp[]) => list.map((a) => `${a.pool}/${a.livyId}`).sort();

test('each workspace is served under its own path prefix and listed in SYNAPSE_WORKSPACES', () => {
  assert.deepEqual(emu.workspaces.map((w) => w.name), emu.data.workspaces.map((w) => w.name));
  for (const w of emu.workspaces) assert.equal(w.endpoint, `${emu.baseUrl}/ws/${w.name}`);
  assert.equal(emu.env.SYNAPSE_WORKSPACES, emu.workspaces.map((w) => w.endpoint).join(','));
  assert.match(emu.baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
});

test('paging with skip returns every job once, newest submitTime first, with nJobs the total', async () => {
  const all = apps('contoso');
  assert.ok(all.length > 10, 'enough jobs for several pages of 5');
  const { nJobs, rows, pages } = await listAll(emu, 'contoso');
  assert.equal(pages, Math.ceil(all.length / 5));
  assert.ok(nJobs.every((n) => n === all.length));
  assert.deepEqual(rows.map(keyOf).sort(), keysOf(all));
  const submits = rows.map((r) => Date.parse(String(r.submitTime)));
  assert.deepEqual(submits, [...submits].sort((a, b) => b - a));
  const beyond = await list(emu, 'contoso', { skip: String(all.length) });
  assert.deepEqual(beyond, { nJobs: all.length, sparkJobs: [] });
});

test('rows have the shape of the recorded real response', async () => {
  const { rows } = await listAll(emu, 'contoso');
  const fields = ['state', 'name', 'submitter', 'compute', 'sparkPoolName', 'sparkApplicationId', 'livyId', 'timing', 'sparkJobDefinition', 'pipeline', 'jobType', 'submitTime', 'endTime', 'queuedDuration', 'runningDuration', 'totalDuration'];
  const duration = /^(\d+h \d+m|\d+m \d+s|\d+s)$/;
  for (const row of rows) {
    assert.deepEqual(Object.keys(row).sort(), [...fields].sort());
    assert.equal(typeof row.livyId, 'string');
    assert.equal(row.compute, row.sparkPoolName);
    assert.ok(row.jobType === 'Spark session' || row.jobType === 'Batch job');
    assert.match(String(row.submitTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    for (const d of ['queuedDuration', 'runningDuration', 'totalDuration']) assert.match(String(row[d]), duration, `${d} ${String(row[d])}`);
    assert.ok(Array.isArray(row.timing) && row.timing.length === 2);
    const app = apps('contoso').find((a) => a.pool === row.sparkPoolName && a.livyId === row.livyId)!;
    assert.equal(row.sparkApplicationId, app.appId);
    assert.equal(row.state, app.state);
    if (app.endTimeMs === undefined) assert.equal(row.endTime, null);
    else assert.equal(Date.parse(String(row.endTime)), Math.floor(app.endTimeMs / 1000) * 1000);
  }
  const queued = rows.filter((r) => r.sparkApplicationId === null);
  assert.ok(queued.length > 0, 'queued jobs have no application id yet');
  assert.ok(rows.some((r) => r.sparkPoolName === 'systemreservedpool-dataflow' && String(r.name).startsWith('Dataflow_debug')));
  assert.ok(new Set(rows.filter((r) => r.livyId === '0').map((r) => r.sparkPoolName)).size >= 2, 'livy id "0" on several pools');
});

test('durations are written the way the monitoring API writes them', async () => {
  // A job submitted 3 min before NOW that started 1 min later and is still running.
  emu.addApplication('fabrikam', {
    pool: 'adhoc', livyId: '900', appId: 'application_1_0900', name: 'durations', sparkAppName: 'durations', jobType: 'Batch job',
    state: 'InProgress', submitter: 'x', submitTimeMs: NOW - 180_000, startTimeMs: NOW - 120_000, executors: [],
  });
  // And one that ran 1 h 4 min, ended 2 h ago after 1 s in the queue.
  emu.addApplication('fabrikam', {
    pool: 'adhoc', livyId: '901', appId: 'application_1_0901', name: 'long', sparkAppName: 'long', jobType: 'Spark session',
    state: 'Succeeded', submitter: 'x', submitTimeMs: NOW - 7_200_000 - 3_841_000, startTimeMs: NOW - 7_200_000 - 3_840_000, endTimeMs: NOW - 7_200_000, executors: [],
  });
  const { rows } = await listAll(emu, 'fabrikam', { filter: "sparkPoolName eq 'adhoc' and (livyId eq '900' or livyId eq '901')" });
  const byLivy = Object.fromEntries(rows.map((r) => [r.livyId, r]));
  assert.deepEqual([byLivy['900']!.queuedDuration, byLivy['900']!.runningDuration, byLivy['900']!.totalDuration], ['1m 0s', '2m 0s', '3m 0s']);
  assert.deepEqual([byLivy['901']!.queuedDuration, byLivy['901']!.runningDuration, byLivy['901']!.totalDuration], ['1s', '1h 4m', '1h 4m']);
  assert.deepEqual(byLivy['901']!.timing, ['Ended', '2h 0m']);
});

test("the connector's running filter matches states case-insensitively", async () => {
  const { rows } = await listAll(emu, 'contoso', { filter: "(state eq 'submitting') or (state eq 'inprogress')" });
  const expected = apps('contoso').filter((a) => ['submitting', 'inprogress'].includes(a.state.toLowerCase()));
  assert.ok(expected.length > 0);
  assert.deepEqual(rows.map(keyOf).sort(), keysOf(expected));
});

test('sparkPoolName, submitTime and endTime filters combine with and/or and parentheses', async () => {
  const since = NOW - 10 * 60_000;
  const cases: Array<[string, (a: SparkApp) => boolean]> = [
    ["sparkPoolName eq 'etl'", (a) => a.pool === 'etl'],
    ["sparkPoolName eq 'ETL'", (a) => a.pool === 'etl'],
    [`submitTime ge ${new Date(since).toISOString()}`, (a) => a.submitTimeMs >= since],
    [`endTime ge ${new Date(since).toISOString()}`, (a) => a.endTimeMs !== undefined && a.endTimeMs >= since],
    [`(sparkPoolName eq 'analytics') and ((state eq 'Succeeded') or (state eq 'Failure'))`, (a) => a.pool === 'analytics' && (a.state === 'Succeeded' || a.state === 'Failure')],
    [`(state eq 'inprogress' and sparkPoolName eq 'etl') or submitTime ge ${new Date(NOW - 60_000).toISOString()}`, (a) => (a.state === 'InProgress' && a.pool === 'etl') || a.submitTimeMs >= NOW - 60_000],
    ["state ne 'InProgress'", (a) => a.state !== 'InProgress'],
    ["contains(name, 'Dataflow')", (a) => a.name.includes('Dataflow')],
  ];
  for (const [filter, predicate] of cases) {
    const expected = apps('contoso').filter(predicate);
    const { rows, nJobs } = await listAll(emu, 'contoso', { filter });
    assert.deepEqual(rows.map(keyOf).sort(), keysOf(expected), filter);
    assert.equal(nJobs[0], expected.length, filter);
  }
  const dollar = await list(emu, 'contoso', { $filter: "sparkPoolName eq 'etl'" });
  assert.equal(dollar.nJobs, apps('contoso').filter((a) => a.pool === 'etl').length, '$filter is accepted too');
});

test('filters the service would not understand answer 400 with a JSON error', async () => {
  const bad = [
    "colour eq 'red'",
    "(state eq 'inprogress'",
    "state eq 'inprogress')",
    "state eq 'inprogress",
    'state eq inprogress',
    "state like 'x'",
    'submitTime ge yesterday',
    "state eq 'a' xor state eq 'b'",
    "substringof('x', name)",
  ];
  for (const filter of bad) {
    const res = await get(listUrl(emu, 'contoso', { filter }));
    assert.equal(res.status, 400, filter);
    const body = JSON.parse(res.body) as { code: string; message: string };
    assert.equal(body.code, 'BadRequest');
    assert.ok(body.message.length > 0);
  }
});

test('api-version is required and skip must be a non-negative integer', async () => {
  const noVersion = await get(`${endpointOf(emu, 'contoso')}/monitoring/workloadTypes/spark/applications`);
  assert.equal(noVersion.status, 400);
  assert.equal((JSON.parse(noVersion.body) as { code: string }).code, 'MissingApiVersionParameter');
  for (const skip of ['-1', 'abc', '1.5']) assert.equal((await get(listUrl(emu, 'contoso', { skip }))).status, 400, skip);
});

test('the path is case-insensitive, as the spec spelling "Applications" and the connector\'s "applications" both work', async () => {
  const spec = await get(`${endpointOf(emu, 'contoso')}/monitoring/workloadTypes/spark/Applications?api-version=2020-12-01`);
  const lower = await get(`${endpointOf(emu, 'contoso')}/MONITORING/workloadtypes/SPARK/applications?api-version=2020-12-01`);
  assert.equal(spec.status, 200);
  assert.equal(lower.status, 200);
  assert.equal((JSON.parse(spec.body) as { nJobs: number }).nJobs, apps('contoso').length);
});

test('the livy-id detail lists the jobs of that pool and livy id only', async () => {
  const res = await get(`${endpointOf(emu, 'contoso')}/monitoring/workloadTypes/spark/pools/etl/livyIds/0?api-version=2019-11-01-preview`);
  assert.equal(res.status, 200);
  const body = JSON.parse(res.body) as { nJobs: number; sparkJobs: Array<Record<string, unknown>> };
  const expected = apps('contoso').filter((a) => a.pool === 'etl' && a.livyId === '0');
  assert.equal(body.nJobs, expected.length);
  assert.deepEqual(body.sparkJobs.map(keyOf), keysOf(expected));
});

test('unknown workspaces and routes answer 404', async () => {
  assert.equal((await get(`${emu.baseUrl}/ws/nowhere/monitoring/workloadTypes/spark/applications?api-version=x`)).status, 404);
  assert.equal((await get(`${endpointOf(emu, 'contoso')}/nothing/here`)).status, 404);
  assert.equal((await get(`${emu.baseUrl}/monitoring/workloadTypes/spark/applications?api-version=x`)).status, 404);
});
