import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SynapseConfig } from '../../../lib/sources/synapse/config';
import { isScrapeTarget, listSparkJobs, RUNNING_FILTER } from '../../../lib/sources/synapse/discover';
import { getText, SynapseHttpError, type GetOptions } from '../../../lib/sources/synapse/http';

/** Rows in the shapes real responses and other clients show: numeric livy ids, no sparkPoolName, null app ids. */
const ROWS: unknown[] = [
  { state: 'InProgress', name: 'a', compute: 'poolA', sparkPoolName: 'poolA', sparkApplicationId: 'application_1_0001', livyId: '0', jobType: 'Spark session', submitTime: '2026-01-01T00:00:00+00:00', queuedDuration: '1s', runningDuration: '1h 4m' },
  { state: 'InProgress', name: 'b', compute: 'poolB', sparkApplicationId: 'application_1_0002', livyId: 0, jobType: 'Batch job' },
  { state: 'Submitting', name: 'c', compute: 'poolA', sparkPoolName: 'poolA', sparkApplicationId: null, livyId: '1', jobType: 'Batch job' },
  { state: 'InProgress', name: 'd', compute: 'systemreservedpool-dataflow', sparkPoolName: 'systemreservedpool-dataflow', sparkApplicationId: 'application_1_0003', livyId: '7', jobType: 'Spark session' },
  'not an object',
  { state: 'InProgress', name: 'no pool or compute', sparkApplicationId: 'application_1_0004', livyId: '9' },
  // The same (pool, livy id) on a later page, as a list shifting under `skip` shows it: kept once.
  { state: 'InProgress', name: 'a', compute: 'poolA', sparkPoolName: 'poolA', sparkApplicationId: 'application_1_0001', livyId: 0, jobType: 'Spark session' },
];
const PAGE = 2;

let server: Server;
let endpoint: string;
const skips: number[] = [];
let hugeBytes = 0;
before(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/huge') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      let sent = 0;
      const pump = () => {
        while (sent < 64 * 1024 * 1024) {
          sent += chunk.length;
          hugeBytes = sent;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => res.destroy());
      return pump();
    }
    if (req.headers.authorization !== 'Bearer t0k') return void res.writeHead(401).end();
    const skip = Number(url.searchParams.get('skip'));
    skips.push(skip);
    assert.equal(url.searchParams.get('filter'), RUNNING_FILTER);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ nJobs: ROWS.length, sparkJobs: ROWS.slice(skip, skip + PAGE) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const http: GetOptions = { tokens: { getToken: async () => 't0k' }, timeoutMs: 2000 };
const config = (maxPages: number): SynapseConfig => ({ workspaces: [], concurrency: 4, requestTimeoutMs: 2000, cycleBudgetMs: 10_000, maxPages, apiVersion: '2019-11-01-preview', appsPerMessage: 50 });

test('discovery pages with skip until nJobs, keys by (pool, livy id), falls back to compute, reads numeric livy ids', async () => {
  skips.length = 0;
  const { jobs, badRows, truncated } = await listSparkJobs({ name: 'w', endpoint }, RUNNING_FILTER, config(20), http);
  assert.deepEqual(skips, [0, 2, 4, 6]);
  assert.equal(truncated, false);
  assert.equal(badRows, 2, 'the string row and the row without pool or compute');
  assert.deepEqual(jobs.map((j) => [j.pool, j.livyId, j.appId]).sort(), [
    ['poolA', '0', 'application_1_0001'],
    ['poolA', '1', null],
    ['poolB', '0', 'application_1_0002'],
    ['systemreservedpool-dataflow', '7', 'application_1_0003'],
  ]);
  const a = jobs.find((j) => j.name === 'a')!;
  assert.equal(a.submitTimeMs, Date.UTC(2026, 0, 1));
  assert.equal(a.queuedSeconds, 1);
  assert.equal(a.runningSeconds, 3600 + 4 * 60);
  assert.deepEqual(jobs.filter(isScrapeTarget).map((j) => j.name).sort(), ['a', 'b'], 'no app id and system-reserved pools are not scraped');
});

test('discovery stops at the page cap and says the list was cut', async () => {
  skips.length = 0;
  const { truncated } = await listSparkJobs({ name: 'w', endpoint }, RUNNING_FILTER, config(2), http);
  assert.deepEqual(skips, [0, 2]);
  assert.equal(truncated, true);
});

test('a 401 surfaces as an error carrying the status', async () => {
  const bad: GetOptions = { ...http, tokens: { getToken: async () => 'wrong' } };
  await assert.rejects(getText(`${endpoint}/x`, bad), (err: unknown) => err instanceof SynapseHttpError && err.status === 401);
});

test('a body beyond the byte cap is refused without reading it all', async () => {
  const t0 = Date.now();
  await assert.rejects(getText(`${endpoint}/huge`, { ...http, maxBytes: 1024 * 1024 }), /larger than 1048576 bytes/);
  assert.ok(Date.now() - t0 < 2000);
  assert.ok(hugeBytes < 64 * 1024 * 1024, 'the server was not drained to the end');
});
