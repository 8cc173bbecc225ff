import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startDatabricksEmulator, type DatabricksEmulator } from '../../../lib/emulators/databricks';
import { openSession, query } from './client';

const NOW = Date.parse('2026-03-10T12:00:00Z');
let emu: DatabricksEmulator;
let conn: Awaited<ReturnType<typeof openSession>>;

before(async () => {
  emu = await startDatabricksEmulator({ nowMs: NOW });
  conn = await openSession(emu);
});
after(async () => {
  await conn.close();
  await emu.close();
});

const one = async (sql: string) => (await query(conn.session, sql))[0] ?? {};
const rejectsWith = (sql: string, errorClass: string, sqlState: string) =>
  assert.rejects(query(conn.session, sql), (e: Error & { response?: { sqlState?: string } }) => {
    assert.match(e.message, new RegExp(`^\\[${errorClass.replace(/\./g, '\\.')}\\]`));
    assert.equal(e.response?.sqlState, sqlState);
    return true;
  });

test('DuckDB-only functions are rejected as Databricks would: UNRESOLVED_ROUTINE', async () => {
  for (const fn of ['list_value(1, 2)', 'epoch(current_timestamp())', 'strftime(current_timestamp(), \'%Y\')', 'quantile_disc(1, 0.5)', 'struct_pack(a := 1)', 'now_not_a_function()']) {
    await rejectsWith(`SELECT ${fn} AS x`, 'UNRESOLVED_ROUTINE', '42883');
  }
});

test('syntax DuckDB cannot parse becomes PARSE_SYNTAX_ERROR', async () => {
  await rejectsWith('SELEC 1', 'PARSE_SYNTAX_ERROR', '42601');
});

test('DuckDB-only syntax is a PARSE_SYNTAX_ERROR: list and struct literals, from-first, //, $n, several statements', async () => {
  for (const sql of ['SELECT [1, 2] AS l', "SELECT {'a': 1} AS s", 'FROM system.lakeflow.jobs SELECT job_id', 'SELECT 7 // 2 AS d', 'SELECT $1', 'SELECT 1; SELECT 2']) {
    await rejectsWith(sql, 'PARSE_SYNTAX_ERROR', '42601');
  }
  assert.deepEqual(await one('SELECT 1 AS x;'), { x: 1 }, 'a trailing semicolon is fine');
});

test('array subscripts count from 0 as in Databricks; map subscripts take keys', async () => {
  const row = await one("SELECT array(10, 20, 30)[0] AS first, array(10, 20, 30)[2] AS third, map_probe['k'] AS v FROM (SELECT custom_tags AS map_probe FROM system.billing.usage WHERE custom_tags['team'] IS NOT NULL LIMIT 1) x");
  assert.equal(row.first, 10);
  assert.equal(row.third, 30);
  assert.equal(row.v, null);
});

test('an unknown table is TABLE_OR_VIEW_NOT_FOUND', async () => {
  await rejectsWith('SELECT * FROM system.billing.nope', 'TABLE_OR_VIEW_NOT_FOUND', '42P01');
});

test('string literals, backticks and escapes follow Databricks', async () => {
  const row = await one('SELECT "double" AS `a b`, \'it\\\'s\' AS q, \'a\\nb\' AS nl');
  assert.deepEqual(row, { 'a b': 'double', q: "it's", nl: 'a\nb' });
});

test('concat is NULL when any argument is NULL; nvl, try_divide, if, coalesce', async () => {
  const row = await one("SELECT concat('a', NULL) AS c1, concat('job-', 12, '-x') AS c2, nvl(NULL, 3) AS n, try_divide(1, 0) AS t, try_divide(6, 4) AS t2, if(1 > 0, 'y', 'n') AS i");
  assert.deepEqual(row, { c1: null, c2: 'job-12-x', n: 3, t: null, t2: 1.5, i: 'y' });
});

test('date and time functions: timestampdiff, unix_timestamp, date_sub, datediff, to_date, date_trunc, date_format, INTERVAL', async () => {
  const row = await one(`SELECT timestampdiff(SECOND, TIMESTAMP '2026-01-01 00:00:00.9', TIMESTAMP '2026-01-01 00:00:02.1') AS s,
    timestampdiff(HOUR, TIMESTAMP '2026-01-01 00:00:00', TIMESTAMP '2026-01-01 05:59:00') AS h,
    unix_timestamp(TIMESTAMP '2026-01-01 00:00:10') AS u, date_sub(DATE '2026-03-01', 1) AS ds, datediff(DATE '2026-03-01', DATE '2026-02-01') AS dd,
    to_date('2026-02-03') AS td, to_date('03/02/2026', 'dd/MM/yyyy') AS tdf, date_trunc('HOUR', TIMESTAMP '2026-01-01 05:59:00') AS tr,
    date_format(TIMESTAMP '2026-01-01 05:09:00', 'yyyy-MM-dd HH:mm') AS f, current_timestamp() - INTERVAL 90 MINUTES AS back`);
  assert.deepEqual(row, {
    s: 1, h: 5, u: Date.parse('2026-01-01T00:00:10Z') / 1000, ds: '2026-02-28', dd: 28, td: '2026-02-03', tdf: '2026-02-03',
    tr: '2026-01-01 05:00:00', f: '2026-01-01 05:09', back: '2026-03-10 10:30:00',
  });
});

test('percentile_approx: the smallest value with at least p of the values at or below it, scalar and array', async () => {
  // Values 1..10: p=0.5 → 5, p=0.95 → 10, p=0.1 → 1.
  const row = await one('SELECT percentile_approx(id, 0.5) AS p50, percentile_approx(id, 0.1, 10000) AS p10, percentile_approx(id, array(0.5, 0.95)) AS ps FROM range(1, 11)');
  assert.deepEqual(row, { p50: 5, p10: 1, ps: [5, 10] });
});

test('collections: collect_list, collect_set, size, element_at, explode, named_struct, array_contains', async () => {
  const row = await one(`SELECT size(collect_list(x)) AS n, size(collect_set(x)) AS d, element_at(array(7, 8, 9), 2) AS e,
    array_contains(array(1, 2), 2) AS c, named_struct('k', 'v').k AS k FROM (SELECT CAST(id % 3 AS BIGINT) AS x FROM range(9) UNION ALL SELECT NULL)`);
  assert.deepEqual(row, { n: 9, d: 3, e: 8, c: true, k: 'v' });
  const exploded = await query(conn.session, 'SELECT explode(array(1, 2, 3)) AS v');
  assert.deepEqual(exploded.map((r) => r.v), [1, 2, 3]);
});

test('more documented constructs: ILIKE, EXCEPT, GROUP BY ALL, NULLS LAST, size of a map, to_timestamp, round, substr, window frames', async () => {
  const row = await one(`SELECT 'ABC' ILIKE 'a%' AS il, size(map_probe) AS ms, to_timestamp('2026-01-02 03:04:05') AS ts,
    to_timestamp('02/01/2026 03:04', 'dd/MM/yyyy HH:mm') AS tsf, round(2.5) AS r, substr('lakepulse', 1, 4) AS sub,
    (SELECT count(*) FROM (SELECT id FROM range(5) EXCEPT SELECT id FROM range(2))) AS ex
    FROM (SELECT custom_tags AS map_probe FROM system.billing.usage WHERE custom_tags['team'] IS NOT NULL LIMIT 1) x`);
  assert.deepEqual(row, { il: true, ms: 1, ts: '2026-01-02 03:04:05', tsf: '2026-01-02 03:04:00', r: 3, sub: 'lake', ex: 3 });
  const grouped = await query(conn.session, `SELECT id % 2 AS parity, sum(id) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running
    FROM range(4) ORDER BY parity NULLS LAST, running`);
  assert.deepEqual(grouped.map((r) => [r.parity, r.running]), [[0, 0], [0, 3], [1, 1], [1, 6]]);
  const all = await query(conn.session, 'SELECT id % 2 AS parity, count(*) AS n FROM range(5) GROUP BY ALL ORDER BY parity');
  assert.deepEqual(all, [{ parity: 0, n: 3 }, { parity: 1, n: 2 }]);
  await rejectsWith('SELECT c FROM system.lakeflow.jobs LATERAL VIEW explode(array(1)) t AS c', 'PARSE_SYNTAX_ERROR', '42601');
});

test('string, regex, date-part, array and cast-function helpers behave as in Databricks', async () => {
  const row = await one(`SELECT startswith('lakepulse', 'lake') AS sw, endswith('lakepulse', 'pulse') AS ew, instr('abc', 'c') AS ins,
    split('a1b2c', '[0-9]') AS sp, split_part('a,b,c', ',', 2) AS spp, regexp_extract('job-123', 'job-([0-9]+)') AS rx1,
    regexp_extract('ab12', '([a-z]+)([0-9]+)', 2) AS rx2, regexp_replace('a1b1', '1', 'x') AS rr, regexp_like('abc', '^a') AS rl,
    left('abc', 2) AS l, right('abc', 2) AS r, dayofweek(DATE '2026-03-08') AS dow, weekofyear(DATE '2026-03-08') AS woy,
    last_day(DATE '2026-02-10') AS ld, array_join(array('a', 'b'), '-') AS aj, sort_array(array(3, 1, 2)) AS sa,
    sort_array(array(3, 1, 2), false) AS sd, array_max(array(3, 9)) AS am, map_keys(map_probe) AS mk, string(12) AS s12,
    int('7') AS i7, double('2.5') AS d, date('2026-03-01') AS dt, mod(7, 3) AS m
    FROM (SELECT custom_tags AS map_probe FROM system.billing.usage WHERE custom_tags['team'] IS NOT NULL LIMIT 1) x`);
  assert.deepEqual(row, {
    sw: true, ew: true, ins: 3, sp: ['a', 'b', 'c'], spp: 'b', rx1: '123', rx2: '12', rr: 'axbx', rl: true, l: 'ab', r: 'bc',
    dow: 1 /* Sunday */, woy: 10, ld: '2026-02-28', aj: 'a-b', sa: [1, 2, 3], sd: [3, 2, 1], am: 9, mk: ['team'], s12: '12', i7: 7, d: 2.5,
    dt: '2026-03-01', m: 1,
  });
});

test('maps and structs of the system tables: custom_tags[key], usage_metadata.job_id, pricing.effective_list.default', async () => {
  const row = await one(`SELECT count_if(custom_tags['team'] = 'data') AS data_rows, count(usage_metadata.job_id) AS with_job,
    max(pricing.effective_list.default) AS top FROM system.billing.usage u JOIN system.billing.list_prices p
    ON u.sku_name = p.sku_name AND u.cloud = p.cloud AND u.usage_unit = p.usage_unit AND p.currency_code = 'USD'
    AND u.usage_start_time >= p.price_start_time AND (p.price_end_time IS NULL OR u.usage_start_time < p.price_end_time)`);
  assert.ok(Number(row.data_rows) > 0);
  assert.ok(Number(row.with_job) > 0);
  assert.ok(Number(row.top) > 0);
});

test('window functions, QUALIFY, max_by and GROUP BY on the SCD2 jobs table', async () => {
  const latest = await query(conn.session, `SELECT workspace_id, job_id, name FROM system.lakeflow.jobs
    QUALIFY ROW_NUMBER() OVER (PARTITION BY workspace_id, job_id ORDER BY change_time DESC) = 1`);
  const all = await query(conn.session, 'SELECT workspace_id, job_id, max_by(name, change_time) AS name FROM system.lakeflow.jobs GROUP BY workspace_id, job_id');
  const key = (r: Record<string, unknown>) => `${r.workspace_id}/${r.job_id}=${r.name}`;
  assert.deepEqual(latest.map(key).sort(), all.map(key).sort());
  assert.ok(latest.some((r) => String(r.name).endsWith('_renamed')));
});

test('a DECIMAL quantity times a DECIMAL price does not overflow', async () => {
  const row = await one('SELECT sum(u.usage_quantity * p.pricing.effective_list.default) AS cost FROM system.billing.usage u JOIN system.billing.list_prices p ON u.sku_name = p.sku_name');
  assert.ok(Number.isFinite(Number(row.cost)));
});

test('another catalog name resolves to the system tables when the emulator is told so', async () => {
  const other = await startDatabricksEmulator({ nowMs: NOW, catalog: 'main_system' });
  const c = await openSession(other);
  try {
    const [a] = await query(c.session, 'SELECT count(*) AS n FROM main_system.lakeflow.jobs');
    const [b] = await query(conn.session, 'SELECT count(*) AS n FROM system.lakeflow.jobs');
    assert.ok(Number(a?.n) > 0);
    assert.equal(a?.n, b?.n);
  } finally {
    await c.close();
    await other.close();
  }
});
