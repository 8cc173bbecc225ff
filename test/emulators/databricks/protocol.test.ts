import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DBSQLParameter } from '@databricks/sql';
import { startDatabricksEmulator, type DatabricksEmulator } from '../../../lib/emulators/databricks';
import { openSession, query } from './client';

const NOW = Date.parse('2026-03-10T12:34:56Z');
let emu: DatabricksEmulator;
let conn: Awaited<ReturnType<typeof openSession>>;

before(async () => {
  emu = await startDatabricksEmulator({ nowMs: NOW, pageSize: 1000 });
  conn = await openSession(emu, {});
});
after(async () => {
  await conn.close();
  await emu.close();
});

test('a statement with direct results comes back in the ExecuteStatement reply alone', async () => {
  const before = { ...emu.stats.calls };
  const rows = await query(conn.session, 'SELECT 1 AS one, "two" AS two');
  assert.deepEqual(rows, [{ one: 1, two: 'two' }]);
  assert.equal((emu.stats.calls.ExecuteStatement ?? 0) - (before.ExecuteStatement ?? 0), 1);
  assert.equal(emu.stats.calls.GetOperationStatus ?? 0, before.GetOperationStatus ?? 0, 'no polling');
  assert.equal(emu.stats.calls.FetchResults ?? 0, before.FetchResults ?? 0, 'no fetch');
});

test('without direct results the driver polls, reads metadata and fetches', async () => {
  const before = { ...emu.stats.calls };
  const rows = await query(conn.session, 'SELECT CAST(id AS BIGINT) AS id FROM range(5) ORDER BY id', { maxRows: null });
  assert.deepEqual(rows.map((r) => r.id), [0, 1, 2, 3, 4]);
  const delta = (m: string) => (emu.stats.calls[m] ?? 0) - (before[m] ?? 0);
  assert.ok(delta('GetOperationStatus') >= 1);
  assert.equal(delta('GetResultSetMetadata'), 1);
  assert.ok(delta('FetchResults') >= 1);
  assert.equal(delta('CloseOperation'), 1);
});

test('a result larger than one page arrives over several FetchResults, every row exactly once', async () => {
  const before = emu.stats.calls.FetchResults ?? 0;
  const n = 2500;
  const rows = await query(conn.session, `SELECT CAST(id AS BIGINT) AS id FROM range(${n})`, { maxRows: 700 });
  const ids = rows.map((r) => r.id as number).sort((a, b) => a - b);
  assert.equal(ids.length, n);
  assert.deepEqual(ids, Array.from({ length: n }, (_v, i) => i));
  // 2500 rows in pages of 700: 4 pages with rows.
  assert.ok((emu.stats.calls.FetchResults ?? 0) - before >= Math.ceil(n / 700));
});

test('the emulator caps pages at its page size even when the client asks for more', async () => {
  const before = emu.stats.calls.FetchResults ?? 0;
  const rows = await query(conn.session, 'SELECT CAST(id AS BIGINT) AS id FROM range(3001)');
  assert.equal(new Set(rows.map((r) => r.id)).size, 3001);
  assert.ok((emu.stats.calls.FetchResults ?? 0) - before >= 4, 'at least 4 pages of at most 1000 rows');
});

test('values keep their Databricks types: BIGINT, INT, DOUBLE, DECIMAL, BOOLEAN, TIMESTAMP, DATE, NULL, structs, maps, arrays', async () => {
  const [row] = await query(conn.session, `SELECT CAST(7 AS BIGINT) AS b, CAST(3 AS INT) AS i, CAST(2.5 AS DOUBLE) AS d, CAST('12.345' AS DECIMAL(10,3)) AS m,
    true AS t, TIMESTAMP '2026-01-02 03:04:05.123456' AS ts, DATE '2026-01-02' AS dt, CAST(NULL AS STRING) AS n,
    named_struct('a', CAST(1 AS BIGINT), 'b', 'x') AS s, array(1, 2) AS arr, pricing FROM system.billing.list_prices WHERE pricing.promotional IS NOT NULL LIMIT 1`);
  assert.ok(row);
  assert.equal(row.b, 7);
  assert.equal(row.i, 3);
  assert.equal(row.d, 2.5);
  assert.equal(row.m, 12.345);
  assert.equal(row.t, true);
  assert.equal(row.ts, '2026-01-02 03:04:05.123456');
  assert.equal(row.dt, '2026-01-02');
  assert.equal(row.n, null);
  assert.deepEqual(row.s, { a: 1, b: 'x' });
  assert.deepEqual(row.arr, [1, 2]);
  const pricing = row.pricing as { default: unknown; promotional: { default: unknown }; effective_list: { default: unknown } };
  assert.equal(typeof pricing.default, 'number');
  assert.equal(pricing.effective_list.default, pricing.promotional.default);
});

test('named and ordinal parameters arrive as typed literals', async () => {
  const op = await conn.session.executeStatement('SELECT :n + 1 AS n1, :s AS s, :ts AS ts, :flag AS flag, CAST(:ts AS DATE) - INTERVAL :days DAYS AS back', {
    namedParameters: { n: new DBSQLParameter({ value: 41, type: 'BIGINT' as never }), s: 'it\'s', ts: new Date('2026-03-01T10:00:00Z'), flag: true, days: 2 },
  } as never);
  const rows = await op.fetchAll();
  await op.close();
  assert.deepEqual(rows, [{ n1: 42, s: "it's", ts: '2026-03-01 10:00:00', flag: true, back: '2026-02-27 00:00:00' }]);
  assert.deepEqual(emu.stats.lastParameters.map((p) => p.name).sort(), ['days', 'flag', 'n', 's', 'ts']);
  const ordinal = await conn.session.executeStatement('SELECT ? AS a, ? AS b', { ordinalParameters: ['x', 5] } as never);
  assert.deepEqual(await ordinal.fetchAll(), [{ a: 'x', b: 5 }]);
  await ordinal.close();
});

test('an unbound parameter fails with UNBOUND_SQL_PARAMETER', async () => {
  await assert.rejects(query(conn.session, 'SELECT :missing AS x'), (e: Error) => /\[UNBOUND_SQL_PARAMETER\]/.test(e.message));
});

test('current_timestamp() and current_date() follow the emulator clock', async () => {
  const [row] = await query(conn.session, 'SELECT current_timestamp() AS now, current_date() AS today, unix_timestamp() AS epoch');
  assert.deepEqual(row, { now: '2026-03-10 12:34:56', today: '2026-03-10', epoch: NOW / 1000 });
});

test('calls the emulator does not implement answer ERROR_STATUS, not HTTP 500', async () => {
  const before = emu.stats.calls.GetInfo ?? 0;
  await assert.rejects(conn.session.getInfo(13), (e: { message?: string }) => /NOT_SUPPORTED/.test(String(e.message)));
  assert.equal((emu.stats.calls.GetInfo ?? 0) - before, 1, 'answered once, not retried');
});

test('the session configuration and every User-Agent are recorded', async () => {
  const other = await openSession(emu, { userAgentEntry: 'lakepulse-probe' });
  try {
    const op = await other.session.executeStatement('SELECT 1');
    await op.fetchAll();
    await op.close();
    assert.match(emu.stats.userAgents.at(-1) ?? '', /^NodejsDatabricksSqlConnector\/\S+ \(lakepulse-probe;/);
    assert.ok(emu.stats.callUserAgents.length >= emu.stats.userAgents.length);
  } finally {
    await other.close();
  }
  const configured = await openSession(emu);
  const session = await (configured.session as unknown as { close(): Promise<unknown> });
  await session.close();
});

test('a missing or wrong token is refused with HTTP 401', async () => {
  await assert.rejects(openSession(emu, { token: 'dapi-wrong' }), (e: { statusCode?: number; message?: string }) => e.statusCode === 401 || /401/.test(String(e.message)));
});

test('the session configuration of OpenSession is recorded', async () => {
  const { DBSQLClient } = await import('@databricks/sql');
  const client = new DBSQLClient({ logger: { log() {} } } as never);
  await client.connect({ host: emu.hostname, port: emu.port, path: emu.httpPath, token: emu.token, telemetryEnabled: false, customCaCert: emu.caCertPem } as never);
  const session = await client.openSession({ configuration: { STATEMENT_TIMEOUT: '123' } } as never);
  assert.equal(emu.stats.sessionConfiguration.STATEMENT_TIMEOUT, '123');
  await session.close();
  await client.close();
});
