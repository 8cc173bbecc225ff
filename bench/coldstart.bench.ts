import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { report } from './timing';

/**
 * Cold start of the Function App: importing each function entry in a fresh process (node's own start-up excluded, it
 * is the same for both), against importing every production dependency and every lib/ module eagerly, as a bundle
 * that defers nothing would. The ratio is the slowest entry's; the detail also gives what a Synapse app's first cycle
 * has loaded by its end (every entry, the Synapse source, the blob store, @azure/identity). Median of alternating runs.
 * Goal: ≤ 0.5.
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
/** A Synapse app's instance after its first cycle: every function entry, then what that cycle loads. */
const firstCycle = [...entries, join(root, 'dist/lib/sources/synapse/index.js'), join(root, 'dist/lib/state/blob-store.js'), '@azure/identity'];
const eager = [...deps, ...libModules(), ...entries];

function importMs(modules: readonly string[]): number {
  const script = `const t=process.hrtime.bigint();for(const m of ${JSON.stringify(modules)})require(m);process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const out = execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'ignore'] });
  return Number(out.trim());
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const range = (xs: number[]) => `${median(xs).toFixed(1)} ms (min-max ${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)})`;
const cycleTimes: number[] = [];
const eagerTimes: number[] = [];
const perEntry: Record<string, number[]> = {};
importMs(eager); // warm the file system cache for both
for (let i = 0; i < RUNS; i++) {
  eagerTimes.push(importMs(eager));
  for (const e of entries) (perEntry[relative(root, e)] ??= []).push(importMs([e]));
  cycleTimes.push(importMs(firstCycle));
}
const slowest = Math.max(...Object.values(perEntry).map(median));
report(
  'coldstart_vs_eager',
  slowest / median(eagerTimes),
  'x',
  `eager ${range(eagerTimes)}; ` +
    Object.entries(perEntry).map(([e, xs]) => `${e} ${range(xs)}`).join(', ') +
    `; a Synapse app after its first cycle ${range(cycleTimes)} (${(median(cycleTimes) / median(eagerTimes)).toFixed(2)} x)`,
);
