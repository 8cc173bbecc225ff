import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../../lib/cli';
import { silentLogger } from '../../lib/log';

async function cli(argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env, log: silentLogger });
  return { code, stdout, stderr };
}

test('configuration errors exit 2 with a message naming the variable', async () => {
  const missingUrl = await cli(['run', '--once'], { SYNAPSE_WORKSPACES: 'contoso' });
  assert.equal(missingUrl.code, 2);
  assert.match(missingUrl.stderr, /REMOTE_WRITE_URL/);
  const badTimeout = await cli(['run', '--once'], { REMOTE_WRITE_URL: 'http://127.0.0.1:1/w', REMOTE_WRITE_TIMEOUT_MS: 'soon', SYNAPSE_WORKSPACES: 'contoso' });
  assert.equal(badTimeout.code, 2);
  assert.match(badTimeout.stderr, /REMOTE_WRITE_TIMEOUT_MS must be a positive integer \(got "soon"\)/);
  const noSource = await cli(['run', '--once', '--dry-run'], {});
  assert.equal(noSource.code, 2);
  assert.match(noSource.stderr, /DATABRICKS_SERVER_HOSTNAME.*SYNAPSE_WORKSPACES/);
  const wrongSource = await cli(['run', '--once', '--dry-run', '--source', 'databricks'], { SYNAPSE_WORKSPACES: 'contoso' });
  assert.equal(wrongSource.code, 2);
  assert.match(wrongSource.stderr, /DATABRICKS_SERVER_HOSTNAME/);
});

test('usage errors exit 2 and print the usage', async () => {
  for (const argv of [['run'], ['run', '--once', '--source', 'kafka'], ['run', '--once', '--bogus'], ['frobnicate'], []]) {
    const r = await cli(argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.stdout + r.stderr, /lakepulse run --once/);
  }
  const version = await cli(['--version']);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
});
