import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startDatabricksEmulator, type DatabricksEmulator } from '../../../lib/emulators/databricks';
import { openSession, query } from './client';

let emu: DatabricksEmulator;

before(async () => {
  emu = await startDatabricksEmulator({ nowMs: Date.parse('2026-03-10T12:00:00Z') });
});
after(() => emu.close());

test('coldStartCalls: the next N calls answer HTTP 503; OpenSession is not retried by the driver', async () => {
  emu.faults.coldStartCalls = 1;
  await assert.rejects(openSession(emu), (e: { statusCode?: number; message?: string }) => e.statusCode === 503 || /503/.test(String(e.message)));
  assert.equal(emu.faults.coldStartCalls, 0);
  const conn = await openSession(emu);
  try {
    assert.deepEqual(await query(conn.session, 'SELECT 1 AS x'), [{ x: 1 }]);
  } finally {
    await conn.close();
  }
});

test('coldStartCalls on a retryable call (GetOperationStatus) is retried by the driver and succeeds', async () => {
  const conn = await openSession(emu);
  try {
    const before = emu.stats.calls['HTTP 503'] ?? 0;
    const op = await conn.session.executeStatement('SELECT 2 AS x', { maxRows: null } as never);
    emu.faults.coldStartCalls = 1;
    assert.deepEqual(await op.fetchAll(), [{ x: 2 }]);
    await op.close();
    assert.equal((emu.stats.calls['HTTP 503'] ?? 0) - before, 1);
  } finally {
    emu.faults.coldStartCalls = 0;
    await conn.close();
  }
});

test('coldStartErrorState: ExecuteStatement answers ERROR_STATUS inside HTTP 200 with a cold-start message', async () => {
  const conn = await openSession(emu);
  try {
    emu.faults.coldStartErrorState = 1;
    await assert.rejects(conn.session.executeStatement('SELECT 1'), (e: { message?: string }) => /local_disk0/.test(String(e.message)));
    assert.deepEqual(await query(conn.session, 'SELECT 1 AS x'), [{ x: 1 }], 'only the first statement failed');
  } finally {
    await conn.close();
  }
});

test('slowStatementMs delays every statement', async () => {
  const conn = await openSession(emu);
  try {
    emu.faults.slowStatementMs = 150;
    const started = Date.now();
    await query(conn.session, 'SELECT 1 AS x');
    assert.ok(Date.now() - started >= 150);
  } finally {
    emu.faults.slowStatementMs = 0;
    await conn.close();
  }
});

test('missingTables: TABLE_OR_VIEW_NOT_FOUND in Databricks text with SQLSTATE 42P01; other tables still work', async () => {
  const conn = await openSession(emu);
  try {
    emu.faults.missingTables = ['system.query.history'];
    await assert.rejects(query(conn.session, 'SELECT count(*) FROM system.query.history'), (e: Error & { response?: { sqlState?: string } }) => {
      assert.match(e.message, /^\[TABLE_OR_VIEW_NOT_FOUND\] The table or view `system`\.`query`\.`history` cannot be found\. Verify the spelling/);
      assert.match(e.message, /SQLSTATE: 42P01$/);
      assert.equal(e.response?.sqlState, '42P01');
      return true;
    });
    assert.equal((await query(conn.session, 'SELECT count(*) AS n FROM system.lakeflow.jobs')).length, 1);
  } finally {
    emu.faults.missingTables = [];
    await conn.close();
  }
});

test('deniedTables: INSUFFICIENT_PERMISSIONS with SQLSTATE 42501', async () => {
  const conn = await openSession(emu);
  try {
    emu.faults.deniedTables = ['system.lakeflow.pipeline_update_timeline'];
    await assert.rejects(query(conn.session, 'SELECT 1 FROM system.lakeflow.pipeline_update_timeline LIMIT 1'), (e: Error & { response?: { sqlState?: string } }) => {
      assert.match(e.message, /^\[INSUFFICIENT_PERMISSIONS\]/);
      assert.equal(e.response?.sqlState, '42501');
      return true;
    });
  } finally {
    emu.faults.deniedTables = [];
    await conn.close();
  }
});

test('errorStateStatements: matching SQL fails with ERROR_STATE, the rest runs', async () => {
  const conn = await openSession(emu);
  try {
    emu.faults.errorStateStatements = /billing/;
    await assert.rejects(query(conn.session, 'SELECT count(*) FROM system.billing.usage'), (e: Error) => /^\[INTERNAL_ERROR\]/.test(e.message));
    assert.deepEqual(await query(conn.session, 'SELECT 3 AS x'), [{ x: 3 }]);
  } finally {
    emu.faults.errorStateStatements = null;
    await conn.close();
  }
});

test('a statement slower than the direct-results wait answers RUNNING; the driver polls GetOperationStatus until it finishes', async () => {
  const quick = await startDatabricksEmulator({ nowMs: Date.parse('2026-03-10T12:00:00Z'), asyncAfterMs: 50 });
  const conn = await openSession(quick);
  try {
    quick.faults.slowStatementMs = 400;
    const rows = await query(conn.session, 'SELECT 5 AS x');
    assert.deepEqual(rows, [{ x: 5 }]);
    // At 100 ms between polls, a 400 ms statement answered after 50 ms needs several polls.
    assert.ok((quick.stats.calls.GetOperationStatus ?? 0) >= 2);
    assert.equal(quick.stats.calls.GetResultSetMetadata, 1);
  } finally {
    await conn.close();
    await quick.close();
  }
});

test('STATEMENT_TIMEOUT of the session ends a slow statement as TIMEDOUT', async () => {
  const quick = await startDatabricksEmulator({ nowMs: Date.parse('2026-03-10T12:00:00Z'), asyncAfterMs: 50 });
  const { DBSQLClient } = await import('@databricks/sql');
  const client = new DBSQLClient({ logger: { log() {} } } as never);
  await client.connect({ host: quick.hostname, port: quick.port, path: quick.httpPath, token: quick.token, telemetryEnabled: false, customCaCert: quick.caCertPem } as never);
  const session = await client.openSession({ configuration: { STATEMENT_TIMEOUT: '1' } } as never);
  try {
    quick.faults.slowStatementMs = 3000;
    const started = Date.now();
    await assert.rejects(query(session, 'SELECT 1 AS x'), (e: Error) => /timed out|TIMEOUT/i.test(`${e.message} ${(e as { errorCode?: string }).errorCode ?? ''}`));
    assert.ok(Date.now() - started < 2900, 'ended by the timeout, not by the statement');
  } finally {
    quick.faults.slowStatementMs = 0;
    await session.close();
    await client.close();
    await quick.close();
  }
});
