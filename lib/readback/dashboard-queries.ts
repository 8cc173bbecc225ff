import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The Grafana dashboards shipped in the repository (`dashboards/*.json`), seen from dist/lib/readback. */
export const DASHBOARDS_DIR = join(__dirname, '..', '..', '..', 'dashboards');

/**
 * Panel title → its targets' PromQL, from the dashboards: the report draws the same queries as the dashboards where
 * they share a panel, so there is one source of truth. The first dashboard (by file name) that has a title wins.
 */
export function dashboardQueries(dir: string = DASHBOARDS_DIR): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const dashboard = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { panels?: unknown };
    visit(dashboard.panels, out);
  }
  return out;
}

function visit(panels: unknown, out: Map<string, string[]>): void {
  if (!Array.isArray(panels)) return;
  for (const p of panels as Array<{ title?: unknown; targets?: unknown; panels?: unknown }>) {
    visit(p.panels, out);
    if (typeof p.title !== 'string' || !Array.isArray(p.targets) || out.has(p.title)) continue;
    const exprs = (p.targets as Array<{ expr?: unknown }>).map((t) => t.expr).filter((e): e is string => typeof e === 'string' && e !== '');
    if (exprs.length) out.set(p.title, exprs);
  }
}

/** Template variables of the dashboards (`$workspace`, `$pool`, ...) as "everything": the report covers the estate. */
export function allValues(expr: string): string {
  return expr.replace(/\$(?!__)([a-zA-Z_][a-zA-Z0-9_]*)\b/g, '.*').replace(/\$\{(?!__)([a-zA-Z_][a-zA-Z0-9_]*)\}/g, '.*');
}
