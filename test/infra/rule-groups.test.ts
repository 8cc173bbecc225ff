import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AZURE_RULE_GROUPS_FILE, azureRuleGroupsJson, isoDuration, toAzureRuleGroups } from '../../tools/azure-rule-groups';
import { readRepoFile, REPO_ROOT } from '../support/repo-files';

test('infra/app/alert-rules.json is exactly what alerts/lakepulse.rules.yml generates (run `npm run alerts:azure`)', () => {
  assert.equal(readRepoFile(AZURE_RULE_GROUPS_FILE), azureRuleGroupsJson(REPO_ROOT));
});

test('the Azure rules carry the expression, ISO 8601 for, numeric severity and the annotations', () => {
  const groups = toAzureRuleGroups([
    { name: 'g', interval: '1m', rules: [{ alert: 'A', expr: ' up == 0\n', for: '1h30m', labels: { severity: 'critical' }, annotations: { summary: 's' } }] },
  ]);
  assert.deepEqual(groups, [
    {
      name: 'g',
      interval: 'PT1M',
      rules: [
        { alert: 'A', expression: 'up == 0', for: 'PT1H30M', severity: 0, labels: { severity: 'critical' }, annotations: { summary: 's' }, enabled: true, resolveConfiguration: { autoResolved: true, timeToResolve: 'PT10M' } },
      ],
    },
  ]);
  assert.equal(isoDuration('15m'), 'PT15M');
  assert.throws(() => isoDuration('1d'), /h, m and s/);
  assert.throws(() => toAzureRuleGroups([{ name: 'g', rules: [{ alert: 'B', expr: 'x', for: '5m', labels: { severity: 'urgent' } }] }]), /g\/B: labels.severity/);
  assert.throws(() => toAzureRuleGroups([{ name: 'g', rules: [{ alert: 'C', expr: 'x', labels: { severity: 'info' } }] }]), /g\/C: every alert needs a `for`/);
});

test('main.bicep deploys the generated groups as prometheusRuleGroups on the Azure Monitor workspace', () => {
  const prometheus = readRepoFile('infra/app/prometheus.bicep');
  assert.match(prometheus, /loadJsonContent\('alert-rules\.json'\)/);
  assert.match(prometheus, /'Microsoft\.AlertsManagement\/prometheusRuleGroups@2023-03-01' = \[for group in ruleGroups:/);
  assert.match(prometheus, /scopes: \[workspace\.id\]/);
});
