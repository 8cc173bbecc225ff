import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../../lib/cli';
import { silentLogger } from '../../lib/log';
import { startQueryEndpoint } from '../support/query-proxy';
import { captured, readbackFixtureForSuite } from '../support/readback-fixture';

/**
 * `lakepulse verify` against a real Prometheus filled by real cycles over the emulators. The tests run in order and
 * each adds the cycles its case needs: cycle clocks are shifted into the past (up to 12 minutes, inside the sender's
 * 15-minute age limit), so freshness is decided by real sample timestamps, not by waiting.
 */
const f = readbackFixtureForSuite(async (fixture) => {
  // Everything 12 minutes ago, then only Synapse 1 minute ago: Databricks arrived, then stopped.
  assert.equal((await fixture.cycle({ agoMs: 12 * 60_000 })).failedSamples, 0);
  assert.equal((await fixture.cycle({ agoMs: 60_000, source: 'synapse' })).failedSamples, 0);
});

function verify(args: string[], extra: Record<string, string | undefined> = {}) {
  return captured((io) => runCli(['verify', ...args], { ...io, log: silentLogger }), { ...f.env, ...extra });
}

/** `verdict kind name` of each target line. */
function verdicts(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((l) => /^ {2}(OK|STALE|NEVER|DOWN)\s+(\S+)\s+(\S+)/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]} ${m[2]} ${m[3]}`);
}

test('a target whose data is older than --within is STALE: arrived, then stopped; exit 1', async () => {
  const host = f.databricks.env.DATABRICKS_SERVER_HOSTNAME!;
  const r = await verify(['--within', '10m']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.deepEqual(verdicts(r.stdout), ['OK collector readback-test', `STALE databricks ${host}`, 'OK synapse contoso', 'OK synapse fabrikam']);
  assert.match(r.stdout, /STALE {2}databricks {2}\S+\s+newest sample 12m(?: \d+s)? ago\n\s+older than --within 10m: it arrived, then stopped\. Is the timer still running \(DATABRICKS_SCHEDULE\)/);
  assert.match(r.stdout, /lakepulse verify: 1 of 4 not fresh\n$/);
  // The same data is fresh enough for a longer window.
  const longer = await verify(['--within', '15m']);
  assert.equal(longer.code, 0, longer.stdout);
});

test('a workspace the collector does not push is NEVER, with the DCR role and the URLs to check', async () => {
  const r = await verify([], { SYNAPSE_WORKSPACES: `${f.env.SYNAPSE_WORKSPACES},http://127.0.0.1:9/ws/northwind` });
  assert.equal(r.code, 1);
  assert.ok(verdicts(r.stdout).includes('NEVER synapse northwind'), r.stdout);
  assert.match(r.stdout, /NEVER {2}synapse {5}northwind\s+no sample\n\s+nothing in the last 7d: .*Monitoring Metrics Publisher .* up to 30 minutes.*REMOTE_WRITE_URL.*PROMETHEUS_QUERY_URL/);
});

test('after a fresh cycle of everything, verify passes with one line per target and exit 0', async () => {
  assert.equal((await f.cycle()).failedSamples, 0);
  const r = await verify([]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const host = f.databricks.env.DATABRICKS_SERVER_HOSTNAME!;
  assert.deepEqual(verdicts(r.stdout), ['OK collector readback-test', `OK databricks ${host}`, 'OK synapse contoso', 'OK synapse fabrikam']);
  for (const line of r.stdout.split('\n').filter((l) => l.startsWith('  OK'))) assert.match(line, /newest sample (\d+s|1m \d+s) ago$/);
  assert.match(r.stdout, /^lakepulse verify: http:\/\/127\.0\.0\.1:\d+\/, samples newer than 15m\n/);
  assert.match(r.stdout, /lakepulse verify: all 4 fresh\n$/);
});

test('a target the collector reaches no more is DOWN (lakepulse_target_up 0) although its series are fresh', async () => {
  f.synapse.faults.unauthorized.add('contoso');
  try {
    const report = await f.cycle();
    assert.deepEqual(report.targets.map((t) => [t.target, t.up]), [[f.databricks.env.DATABRICKS_SERVER_HOSTNAME, 1], ['contoso', 0], ['fabrikam', 1]]);
  } finally {
    f.synapse.faults.unauthorized.delete('contoso');
  }
  const r = await verify([]);
  assert.equal(r.code, 1);
  assert.deepEqual(verdicts(r.stdout).filter((v) => !v.startsWith('OK')), ['DOWN synapse contoso']);
  assert.match(r.stdout, /lakepulse_target_up\{source="synapse",target="contoso"\} is 0: it could not collect this target \(the identity needs the Synapse RBAC role Synapse Compute Operator/);
  assert.match(r.stdout, /`lakepulse run --once --source synapse` prints the error/);
});

test('a query endpoint answering 403 fails verify with the settings and the role to check, never the token', async () => {
  const secret = 'verify-secret-7c1e';
  const endpoint = await startQueryEndpoint((_req, res) => void res.writeHead(403, { 'Content-Type': 'text/plain' }).end('Forbidden'));
  try {
    const r = await verify([], { PROMETHEUS_QUERY_URL: endpoint.url, PROMETHEUS_QUERY_AUTH: 'bearer', PROMETHEUS_QUERY_BEARER_TOKEN: secret });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /PROMETHEUS_QUERY_URL http:\/\/127\.0\.0\.1:\d+\/ answered HTTP 403: PROMETHEUS_QUERY_BEARER_TOKEN was refused \(PROMETHEUS_QUERY_AUTH=bearer\).*Monitoring Data Reader/);
    assert.ok(!(r.stdout + r.stderr).includes(secret));
    assert.ok(endpoint.seen.length >= 1 && endpoint.seen.every((s) => s.method === 'POST'));
  } finally {
    await endpoint.close();
  }
});

test('verify takes the run configuration: a bad setting exits 2 naming it', async () => {
  const r = await verify([], { SYNAPSE_WORKSPACES: 'not a workspace!' });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /SYNAPSE_WORKSPACES must list workspace names/);
  const within = await verify(['--within', 'soon']);
  assert.equal(within.code, 2);
  assert.match(within.stderr, /--within must be a duration/);
});

test('samples dropped since the window began are a WARN line by reason, not a freshness failure', async () => {
  // A cycle whose clock is 16 minutes behind: the sender drops everything as too_old (Azure refuses samples that old).
  const late = await f.cycle({ agoMs: 16 * 60_000 });
  assert.ok(late.failedSamples > 0, 'the late cycle could deliver nothing');
  assert.equal((await f.cycle()).failedSamples, 0);
  const dropped = await f.prom.query('lakepulse_samples_dropped_total{reason="too_old"}');
  assert.equal(dropped.length, 1, 'the next cycle pushed the drop counter');
  const r = await verify([]);
  assert.equal(r.code, 0, r.stdout);
  assert.match(r.stdout, new RegExp(`WARN {3}samples dropped before sending in the last 15m \\(lakepulse_samples_dropped_total by reason\\): ${dropped[0]!.value[1]} \\(too_old\\)`));
  assert.ok(!/WARN .*not accepted by the receiver/.test(r.stdout), 'nothing was refused by the receiver');
});
