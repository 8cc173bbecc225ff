import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseRuleFile } from '../../tools/azure-rule-groups';
import { readRepoFile, REPO_ROOT } from '../support/repo-files';
import { ratedNonCounters } from './promql-rates';

const PROMTOOL = process.env.PROMTOOL_BIN ?? '/usr/bin/promtool';
const RULES = 'alerts/lakepulse.rules.yml';
const CASES = 'test/alerts/lakepulse.rules.test.yml';

function promtool(args: string[]): { status: number | null; output: string } {
  assert.ok(existsSync(PROMTOOL), `${PROMTOOL} not found: install the Debian package 'prometheus' (.ci/run does)`);
  const r = spawnSync(PROMTOOL, args, { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const groups = parseRuleFile(readRepoFile(RULES));
const alerts = groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined);

test('promtool check rules accepts the rule file', () => {
  const r = promtool(['check', 'rules', RULES]);
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, new RegExp(`SUCCESS: ${alerts.length} rules found`));
});

test('promtool test rules: every alert fires on its failing series and stays quiet on the healthy ones', () => {
  const r = promtool(['test', 'rules', CASES]);
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /SUCCESS/);
});

test('every alert has a promtool case that expects it to fire', () => {
  const cases = parse(readRepoFile(CASES)) as { tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }> };
  const firing = new Set(cases.tests.flatMap((t) => t.alert_rule_test ?? []).filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname));
  assert.deepEqual(alerts.map((a) => a.alert).filter((a) => !firing.has(a!)), []);
});

test('promtool test rules fails when a threshold is wrong (the cases can fail)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lakepulse-rules-'));
  try {
    const broken = readRepoFile(RULES).replace('> 21600', '> 99999999');
    assert.notEqual(broken, readRepoFile(RULES));
    writeFileSync(join(dir, 'lakepulse.rules.yml'), broken);
    writeFileSync(join(dir, 'cases.yml'), readRepoFile(CASES).replace('../../alerts/lakepulse.rules.yml', join(dir, 'lakepulse.rules.yml')));
    const r = promtool(['test', 'rules', join(dir, 'cases.yml')]);
    assert.notEqual(r.status, 0);
    assert.match(r.output, /DatabricksPipelineNotFresh/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('each alert has a for, a severity label, a summary and a description', () => {
  for (const a of alerts) {
    assert.match(a.for ?? '', /^\d+[mh]$/, `${a.alert}: for`);
    assert.ok(['critical', 'warning', 'info'].includes(a.labels?.severity ?? ''), `${a.alert}: severity`);
    assert.ok((a.annotations?.summary ?? '').length > 10, `${a.alert}: summary`);
    assert.ok((a.annotations?.description ?? '').length > 20, `${a.alert}: description`);
  }
});

test('no alert applies rate(), irate() or increase() to a windowed gauge', () => {
  assert.deepEqual(ratedNonCounters('rate(databricks_job_runs_total[1h]) + increase(lakepulse_cycles_total{job="x"}[5m])'), ['rate(databricks_job_runs_total)']);
  for (const r of groups.flatMap((g) => g.rules)) assert.deepEqual(ratedNonCounters(r.expr), [], r.alert);
});
