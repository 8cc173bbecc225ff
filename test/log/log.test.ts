import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../lib/cli';
import { ConfigError } from '../../lib/errors';
import { formatJson, formatLogfmt, invocationLogger, logSettings, stderrLogger } from '../../lib/log';
import { identityForSuite } from '../support/identity';
import { freePort } from '../support/ports';

const at = new Date('2026-12-01T10:00:00.000Z');

test('json: one object per line with time, level, msg and the fields', () => {
  assert.equal(
    formatJson('error', 'remote write rejected', { status: 403, batches: 3, error: new Error('boom'), big: 12n, skipped: undefined }, at),
    '{"time":"2026-12-01T10:00:00.000Z","level":"error","msg":"remote write rejected","status":403,"batches":3,"error":"boom","big":"12"}',
  );
});

test('logfmt: key=value, quoting only what needs it, objects as JSON', () => {
  assert.equal(
    formatLogfmt('warn', 'target down', { source: 'synapse', error: 'workspace contoso: HTTP 403 "denied"', up: 0, empty: '', list: ['a', 'b'], 'bad key': 1 }, at),
    'time=2026-12-01T10:00:00.000Z level=warn msg="target down" source=synapse error="workspace contoso: HTTP 403 \\"denied\\"" up=0 empty="" list="[\\"a\\",\\"b\\"]" bad_key=1',
  );
  assert.equal(formatLogfmt('info', 'line\nbreak'), 'level=info msg="line\\nbreak"', 'a newline never splits the line');
});

test('settings: json unless a person watches the terminal; bad values name the variable', () => {
  assert.deepEqual(logSettings({}), { level: 'info', format: 'json' });
  assert.deepEqual(logSettings({}, { interactive: true }), { level: 'info', format: 'logfmt' });
  assert.deepEqual(logSettings({ LAKEPULSE_LOG_FORMAT: 'JSON', LAKEPULSE_LOG_LEVEL: 'Debug' }, { interactive: true }), { level: 'debug', format: 'json' });
  assert.throws(() => logSettings({ LAKEPULSE_LOG_LEVEL: 'verbose' }), (e: unknown) => e instanceof ConfigError && e.variable === 'LAKEPULSE_LOG_LEVEL' && e.message === 'LAKEPULSE_LOG_LEVEL must be one of debug, info, warn, error (got "verbose")');
  assert.throws(() => logSettings({ LAKEPULSE_LOG_FORMAT: 'text' }), /LAKEPULSE_LOG_FORMAT must be one of json, logfmt \(got "text"\)/);
});

test('levels: lines below the level are not written', () => {
  const lines: string[] = [];
  const log = stderrLogger({ level: 'warn', format: 'logfmt', write: (l) => void lines.push(l), now: () => at });
  log.debug('d');
  log.info('i');
  log.warn('w', { n: 1 });
  log.error('e');
  assert.deepEqual(lines, ['time=2026-12-01T10:00:00.000Z level=warn msg=w n=1\n', 'time=2026-12-01T10:00:00.000Z level=error msg=e\n']);
});

test('Functions: json by default through the invocation, filtered by level', () => {
  const calls: string[] = [];
  const sink = { debug: (m: unknown) => void calls.push(`debug ${String(m)}`), log: (m: unknown) => void calls.push(`info ${String(m)}`), warn: (m: unknown) => void calls.push(`warn ${String(m)}`), error: (m: unknown) => void calls.push(`error ${String(m)}`) };
  const log = invocationLogger(sink, logSettings({ LAKEPULSE_LOG_LEVEL: 'info' }));
  log.debug('hidden');
  log.info('cycle finished', { series: 3 });
  assert.deepEqual(calls, ['info {"level":"info","msg":"cycle finished","series":3}']);
});

const identity = identityForSuite();

test('the CLI writes logfmt when stderr is a terminal, json when it is not, and exits 2 on a bad LAKEPULSE_LOG_FORMAT', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lakepulse-log-'));
  after(() => rm(dir, { recursive: true, force: true }));
  const env = { SYNAPSE_WORKSPACES: `http://127.0.0.1:${await freePort()}/contoso`, IDENTITY_ENDPOINT: identity.endpoint, IDENTITY_HEADER: identity.header, STATE_STORE: `file:${dir}` };
  const run = async (extra: Record<string, string>, stderrIsTTY: boolean) => {
    let stderr = '';
    const code = await runCli(['run', '--once', '--dry-run'], { stdout: () => {}, stderr: (t) => void (stderr += t), env: { ...env, ...extra }, stderrIsTTY });
    return { code, lines: stderr.trim().split('\n') };
  };
  const tty = await run({}, true);
  assert.equal(tty.code, 1);
  const failed = tty.lines.find((l) => l.includes('synapse discovery failed'));
  assert.match(failed ?? '', /^time=\S+ level=error msg="synapse discovery failed" workspace=contoso error="workspace contoso: connection refused by 127\.0\.0\.1:\d+ \(ECONNREFUSED\): nothing listens there; check the host and port in SYNAPSE_WORKSPACES"$/);

  const piped = await run({}, false);
  const json = piped.lines.map((l) => JSON.parse(l) as { level: string; msg: string });
  assert.ok(json.some((l) => l.level === 'error' && l.msg === 'synapse discovery failed'));

  const quiet = await run({ LAKEPULSE_LOG_LEVEL: 'error', LAKEPULSE_LOG_FORMAT: 'json' }, true);
  assert.ok(quiet.lines.every((l) => l === '' || (JSON.parse(l) as { level: string }).level === 'error'), quiet.lines.join('\n'));

  let stderr = '';
  const bad = await runCli(['run', '--once', '--dry-run'], { stdout: () => {}, stderr: (t) => void (stderr += t), env: { ...env, LAKEPULSE_LOG_FORMAT: 'pretty' } });
  assert.equal(bad, 2);
  assert.equal(stderr, 'lakepulse: configuration error: LAKEPULSE_LOG_FORMAT must be one of json, logfmt (got "pretty")\n');
});
