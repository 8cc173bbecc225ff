import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { report } from './timing';

/**
 * Cold start of the Function App: what a fresh instance imports before its first invocation runs, timed inside a
 * fresh process (node's own start-up excluded, it is the same for both), against importing every production
 * dependency and every lib/ module eagerly, as a bundle that does not defer anything would. Median of alternating
 * runs. Goal: ≤ 0.5.
 */
const root = join(__dirname, '..', '..');
const RUNS = 9;

function libModules(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) {
        if (name !== 'emulators') walk(full);
      } else if (name.endsWith('.js') && !['cli-main.js', 'demo.js', 'emulate.js'].includes(name)) out.push(full);
    }
  };
  walk(join(root, 'dist', 'lib'));
  return out;
}

const entries = ['databricks', 'synapse', 'collect'].map((f) => join(root, 'dist', 'functions', `${f}.js`));
const deps = ['@azure/functions', '@azure/identity', '@azure/storage-blob', '@databricks/sql', 'snappyjs'];
/** A Synapse app's instance: the host loads every function entry, then the first Synapse cycle loads its source and the blob store. */
const lean = [...entries, join(root, 'dist/lib/sources/synapse/index.js'), join(root, 'dist/lib/state/blob-store.js'), join(root, 'dist/lib/fanout/planner.js')];
const eager = [...deps, ...libModules(), ...entries];

function importMs(modules: readonly string[]): number {
  const script = `const t=process.hrtime.bigint();for(const m of ${JSON.stringify(modules)})require(m);process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const out = execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'ignore'] });
  return Number(out.trim());
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const leanTimes: number[] = [];
const eagerTimes: number[] = [];
const perEntry: Record<string, number[]> = {};
importMs(eager); // warm the file system cache for both
for (let i = 0; i < RUNS; i++) {
  leanTimes.push(importMs(lean));
  eagerTimes.push(importMs(eager));
  for (const e of entries) (perEntry[relative(root, e)] ??= []).push(importMs([e]));
}
const ratio = median(leanTimes) / median(eagerTimes);
report(
  'coldstart_vs_eager',
  ratio,
  'x',
  `Synapse app (all entries + Synapse source + blob store) ${median(leanTimes).toFixed(1)} ms (min-max ${Math.min(...leanTimes).toFixed(1)}-${Math.max(...leanTimes).toFixed(1)}) vs eager ${median(eagerTimes).toFixed(1)} ms (${Math.min(...eagerTimes).toFixed(1)}-${Math.max(...eagerTimes).toFixed(1)}); ` +
    Object.entries(perEntry).map(([e, xs]) => `${e} alone ${median(xs).toFixed(1)} ms`).join(', '),
);
