import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { report } from './timing';

/**
 * The deployment package: production dependencies (`npm ci --omit=dev` in a scratch copy) plus the build, minus what
 * `.funcignore` keeps out, as `func azure functionapp publish` / azd would zip it. Goal: under 60 MB.
 */
const root = join(__dirname, '..', '..');

interface Rule {
  negate: boolean;
  test: (path: string) => boolean;
}

/** The .gitignore-style subset .funcignore uses: `*` globs, `dir/**`, `!` negation, later rules win. */
function readRules(text: string): Rule[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((line) => {
      const negate = line.startsWith('!');
      const pattern = negate ? line.slice(1) : line;
      const anchored = pattern.includes('/');
      const body = pattern.replace(/\/\*\*$/, '');
      const re = new RegExp(`^${body.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`);
      return {
        negate,
        test: (path: string) => {
          if (anchored) {
            const parts = path.split('/');
            for (let i = 1; i <= parts.length; i++) if (re.test(parts.slice(0, i).join('/'))) return true;
            return false;
          }
          return path.split('/').some((part) => re.test(part));
        },
      };
    });
}

function ignored(rules: Rule[], path: string): boolean {
  let out = false;
  for (const r of rules) if (r.test(path)) out = !r.negate;
  return out;
}

const scratch = mkdtempSync(join(tmpdir(), 'lakepulse-package-'));
try {
  for (const f of ['package.json', 'package-lock.json']) cpSync(join(root, f), join(scratch, f));
  execFileSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: scratch, stdio: 'ignore' });
  cpSync(join(root, 'dist'), join(scratch, 'dist'), { recursive: true });
  for (const f of ['host.json', '.funcignore']) cpSync(join(root, f), join(scratch, f));
  const rules = readRules(readFileSync(join(root, '.funcignore'), 'utf8'));
  let bytes = 0;
  let files = 0;
  const heavy = new Map<string, number>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      const rel = relative(scratch, full).split(sep).join('/');
      if (rel === 'pkg') continue;
      if (statSync(full).isDirectory()) walk(full);
      else if (!ignored(rules, rel)) {
        mkdirSync(join(scratch, 'pkg', rel, '..'), { recursive: true });
        cpSync(full, join(scratch, 'pkg', rel));
        const size = statSync(full).size;
        bytes += size;
        files++;
        const top = rel.startsWith('node_modules/') ? rel.split('/').slice(0, rel.split('/')[1]!.startsWith('@') ? 3 : 2).join('/') : rel.split('/')[0]!;
        heavy.set(top, (heavy.get(top) ?? 0) + size);
      }
    }
  };
  walk(scratch);
  // The package must still load: every function entry and both sources, from the pruned copy alone.
  const load = ['dist/functions/databricks.js', 'dist/functions/synapse.js', 'dist/functions/collect.js', 'dist/lib/sources/databricks/index.js', 'dist/lib/sources/synapse/index.js', 'dist/lib/state/blob-store.js', 'dist/lib/fanout/worker.js'];
  execFileSync(process.execPath, ['-e', `for (const m of ${JSON.stringify(load)}) require('./' + m)`], { cwd: join(scratch, 'pkg'), stdio: ['ignore', 'ignore', 'pipe'] });
  const top = [...heavy].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, v]) => `${k} ${(v / 1e6).toFixed(1)} MB`).join(', ');
  report('deployment_package_mb', bytes / 1e6, 'MB', `${files} files, unzipped; largest: ${top}; no @duckdb or emulator in it: ${![...heavy.keys()].some((k) => /duckdb|emulators/.test(k))}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
