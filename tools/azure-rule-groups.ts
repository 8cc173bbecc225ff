import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * Turns the Prometheus rule file (alerts/lakepulse.rules.yml) into the `rules` of
 * Microsoft.AlertsManagement/prometheusRuleGroups, which infra/main.bicep loads with loadJsonContent. The rule file
 * stays the one source of truth: test/infra/rule-groups.test.ts fails when the committed JSON differs from what this
 * produces. Run `npm run alerts:azure` after editing the rule file.
 */

export const RULES_FILE = 'alerts/lakepulse.rules.yml';
export const AZURE_RULE_GROUPS_FILE = 'infra/app/alert-rules.json';

/** Azure Monitor alert severities: 0 critical, 1 error, 2 warning, 3 informational, 4 verbose. */
const AZURE_SEVERITY: Readonly<Record<string, number>> = { critical: 0, error: 1, warning: 2, info: 3 };

export interface PrometheusRule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface PrometheusRuleGroup {
  name: string;
  interval?: string;
  rules: PrometheusRule[];
}

export interface AzureRule {
  alert?: string;
  record?: string;
  expression: string;
  for?: string;
  severity?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  enabled: boolean;
  resolveConfiguration?: { autoResolved: boolean; timeToResolve: string };
}

export interface AzureRuleGroup {
  name: string;
  interval: string;
  rules: AzureRule[];
}

/** `15m`, `1h`, `1h30m`, `90s` → `PT15M`, `PT1H`, `PT1H30M`, `PT90S` (ISO 8601, as the Azure API takes them). */
export function isoDuration(promDuration: string): string {
  if (!/^(\d+h)?(\d+m)?(\d+s)?$/.test(promDuration) || promDuration === '') {
    throw new Error(`duration ${JSON.stringify(promDuration)} must be made of h, m and s parts (e.g. 15m, 1h30m)`);
  }
  return `PT${promDuration.toUpperCase()}`;
}

export function parseRuleFile(text: string): PrometheusRuleGroup[] {
  const doc: unknown = parse(text);
  if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as { groups?: unknown }).groups)) {
    throw new Error('rule file must have a top-level `groups` list');
  }
  return (doc as { groups: PrometheusRuleGroup[] }).groups;
}

export function toAzureRuleGroups(groups: readonly PrometheusRuleGroup[]): AzureRuleGroup[] {
  return groups.map((group) => ({
    name: group.name,
    interval: isoDuration(group.interval ?? '1m'),
    rules: group.rules.map((rule): AzureRule => {
      const where = `${group.name}/${rule.alert ?? rule.record ?? '?'}`;
      if (rule.record !== undefined) return { record: rule.record, expression: rule.expr.trim(), labels: rule.labels, enabled: true };
      const severity = rule.labels?.severity;
      if (severity === undefined || AZURE_SEVERITY[severity] === undefined) {
        throw new Error(`${where}: labels.severity must be one of ${Object.keys(AZURE_SEVERITY).join(', ')}`);
      }
      if (rule.for === undefined) throw new Error(`${where}: every alert needs a \`for\``);
      return {
        alert: rule.alert,
        expression: rule.expr.trim(),
        for: isoDuration(rule.for),
        severity: AZURE_SEVERITY[severity],
        labels: rule.labels,
        annotations: rule.annotations,
        enabled: true,
        resolveConfiguration: { autoResolved: true, timeToResolve: 'PT10M' },
      };
    }),
  }));
}

/** The JSON text infra/app/alert-rules.json must hold for the rule file under `root`. */
export function azureRuleGroupsJson(root: string): string {
  const groups = parseRuleFile(readFileSync(join(root, RULES_FILE), 'utf8'));
  return `${JSON.stringify(toAzureRuleGroups(groups), null, 2)}\n`;
}

if (require.main === module) {
  const root = join(__dirname, '..', '..');
  writeFileSync(join(root, AZURE_RULE_GROUPS_FILE), azureRuleGroupsJson(root));
  process.stdout.write(`wrote ${AZURE_RULE_GROUPS_FILE} from ${RULES_FILE}\n`);
}
