import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../lib/cli-report';
import { ConfigError } from '../../lib/errors';
import { AZURE_PROMETHEUS_QUERY_SCOPE, loadQueryConfig } from '../../lib/readback/query-config';
import { formatAge, parseDurationSeconds, promDuration, timeFlag } from '../../lib/readback/time-args';
import { selector } from '../../lib/readback/verify';

test('PROMETHEUS_QUERY_AUTH defaults to azure for an Azure Monitor workspace query endpoint, else none', () => {
  const azure = loadQueryConfig({ PROMETHEUS_QUERY_URL: 'https://amw-lakepulse-a1b2.westeurope.prometheus.monitor.azure.com' });
  assert.deepEqual(azure.auth, { kind: 'azure', scope: AZURE_PROMETHEUS_QUERY_SCOPE });
  assert.equal(AZURE_PROMETHEUS_QUERY_SCOPE, 'https://prometheus.monitor.azure.com/.default');
  assert.deepEqual(loadQueryConfig({ PROMETHEUS_QUERY_URL: 'http://127.0.0.1:9090' }).auth, { kind: 'none' });
  const grafana = loadQueryConfig({ PROMETHEUS_QUERY_URL: 'https://grafana.example.org/api/datasources/proxy/uid/abc123/', PROMETHEUS_QUERY_AUTH: 'bearer', PROMETHEUS_QUERY_BEARER_TOKEN: 'glsa_x' });
  assert.equal(grafana.baseUrl.href, 'https://grafana.example.org/api/datasources/proxy/uid/abc123');
  assert.deepEqual(grafana.auth, { kind: 'bearer', token: 'glsa_x' });
  assert.equal(loadQueryConfig({ PROMETHEUS_QUERY_URL: 'http://localhost:9090/api/v1/' }).baseUrl.href, 'http://localhost:9090/');
  assert.deepEqual(loadQueryConfig({ PROMETHEUS_QUERY_URL: 'http://localhost:9090', PROMETHEUS_QUERY_AUTH: 'basic', PROMETHEUS_QUERY_USERNAME: 'u', PROMETHEUS_QUERY_PASSWORD: 'p' }).auth, {
    kind: 'basic',
    username: 'u',
    password: 'p',
  });
});

test('bad query settings throw a ConfigError naming the variable, never echoing a secret', () => {
  const cases: Array<[Record<string, string>, string, RegExp]> = [
    [{}, 'PROMETHEUS_QUERY_URL', /PROMETHEUS_QUERY_URL must be set/],
    [{ PROMETHEUS_QUERY_URL: 'prometheus:9090' }, 'PROMETHEUS_QUERY_URL', /must be an http\(s\) URL|absolute URL/],
    [{ PROMETHEUS_QUERY_URL: 'http://prom.internal:9090' }, 'PROMETHEUS_QUERY_URL', /https:\/\/ for non-loopback/],
    [{ PROMETHEUS_QUERY_URL: 'https://admin:hunter2@prom.example.org' }, 'PROMETHEUS_QUERY_URL', /must not contain credentials/],
    [{ PROMETHEUS_QUERY_URL: 'https://p.example.org', PROMETHEUS_QUERY_AUTH: 'kerberos' }, 'PROMETHEUS_QUERY_AUTH', /one of azure, bearer, basic, none/],
    [{ PROMETHEUS_QUERY_URL: 'https://p.example.org', PROMETHEUS_QUERY_AUTH: 'bearer' }, 'PROMETHEUS_QUERY_BEARER_TOKEN', /must be set when PROMETHEUS_QUERY_AUTH=bearer/],
    [{ PROMETHEUS_QUERY_URL: 'https://p.example.org', PROMETHEUS_QUERY_AUTH: 'basic', PROMETHEUS_QUERY_PASSWORD: 'hunter2' }, 'PROMETHEUS_QUERY_USERNAME', /PROMETHEUS_QUERY_USERNAME must be set/],
    [{ PROMETHEUS_QUERY_URL: 'https://p.example.org', PROMETHEUS_QUERY_TIMEOUT_MS: '10s' }, 'PROMETHEUS_QUERY_TIMEOUT_MS', /positive integer/],
  ];
  for (const [env, variable, message] of cases) {
    assert.throws(() => loadQueryConfig(env), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.variable, variable);
      assert.match(err.message, message);
      assert.ok(!err.message.includes('hunter2'));
      return true;
    });
  }
});

test('time flags take RFC 3339, Unix seconds, now and durations back from now', () => {
  const now = 1_796_000_000;
  assert.equal(timeFlag('--start', 'now', now), now);
  assert.equal(timeFlag('--start', '30d', now), now - 30 * 86_400);
  assert.equal(timeFlag('--start', 'now-1h30m', now), now - 5400);
  assert.equal(timeFlag('--start', '1733011200', now), 1_733_011_200);
  assert.equal(timeFlag('--start', '2026-11-01T00:00:00Z', now), Date.UTC(2026, 10, 1) / 1000);
  assert.equal(timeFlag('--start', '2026-11-01T01:00:00+01:00', now), Date.UTC(2026, 10, 1) / 1000);
  assert.equal(timeFlag('--start', '2026-11-01', now), Date.UTC(2026, 10, 1) / 1000);
  for (const bad of ['yesterday', '2026-13-45', '-5', '']) assert.throws(() => timeFlag('--end', bad, now), UsageError);
  assert.equal(parseDurationSeconds('1h30m'), 5400);
  assert.equal(parseDurationSeconds('500ms'), 0.5);
  assert.equal(parseDurationSeconds('90'), 90);
  assert.equal(parseDurationSeconds('15 minutes'), undefined);
  assert.equal(promDuration(900), '15m');
  assert.equal(promDuration(86_400 * 7), '7d');
  assert.equal(promDuration(90), '90s');
  assert.deepEqual([42, 185, 7980, 3 * 86_400 + 4 * 3600 + 5].map(formatAge), ['42s', '3m 5s', '2h 13m', '3d 4h']);
});

test('label values are escaped in the PromQL verify builds', () => {
  assert.equal(selector('databricks_up', { job: 'databricks', instance: 'a"b\\c' }), 'databricks_up{job="databricks",instance="a\\"b\\\\c"}');
});
