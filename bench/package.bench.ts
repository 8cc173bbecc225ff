import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
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

/** Bytes and files under `dir`, with the largest top-level packages. */
function measure(dir: string, keep: (rel: string) => boolean = () => true): { bytes: number; files: number; largest: string } {
  let bytes = 0;
  let files = 0;
  const byTop = new Map<string, number>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      const rel = relative(dir, full).split(sep).join('/');
      if (statSync(full).isDirectory()) walk(full);
      else if (keep(rel)) {
        const size = statSync(full).size;
        bytes += size;
        files++;
        const parts = rel.split('/');
        const top = parts[0] === 'node_modules' ? parts.slice(0, parts[1]!.startsWith('@') ? 3 : 2).join('/') : parts[0]!;
        byTop.set(top, (byTop.get(top) ?? 0) + size);
      }
    }
  };
  walk(dir);
  const largest = [...byTop].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([k, v]) => `${k} ${(v / 1e6).toFixed(1)} MB`).join(', ');
  return { bytes, files, largest };
}

const run = (cwd: string, command: string, args: string[]) => execFileSync(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });

// What azd uploads for the remote build: the tracked files .funcignore lets through.
const rules = readRules(readFileSync(join(root, '.funcignore'), 'utf8'));
const tracked = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n').filter((f) => f !== '' && !ignored(rules, f));
const scratch = mkdtempSync(join(tmpdir(), 'lakepulse-package-'));
try {
  for (const f of tracked) {
    mkdirSync(join(scratch, f, '..'), { recursive: true });
    cpSync(join(root, f), join(scratch, f));
  }
  const upload = measure(scratch);
  // What runs: the remote build (install, then `build:azure`: build, prune dev dependencies, drop what never loads).
  run(scratch, 'npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error']);
  run(scratch, 'npm', ['run', 'build:azure', '--silent']);
  const runtime = measure(scratch);
  // The package must still load: every function entry and both sources, with production dependencies only.
  const load = ['dist/functions/databricks.js', 'dist/functions/synapse.js', 'dist/functions/collect.js', 'dist/lib/sources/databricks/index.js', 'dist/lib/sources/synapse/index.js', 'dist/lib/state/blob-store.js', 'dist/lib/fanout/worker.js'];
  run(scratch, process.execPath, ['-e', `for (const m of ${JSON.stringify(load)}) require('./' + m)`]);
  const noEmulatorPackages = !['@duckdb/node-api', 'azurite', 'playwright-core', 'typescript'].some((p) => existsSync(join(scratch, 'node_modules', p, 'package.json')));
  report(
    'deployment_package_mb',
    runtime.bytes / 1e6,
    'MB',
    `after the remote build (npm run build:azure): ${runtime.files} files, unzipped; largest: ${runtime.largest}; upload (what .funcignore lets through) ${(upload.bytes / 1e6).toFixed(2)} MB in ${upload.files} files; no DuckDB, Azurite, Playwright or TypeScript left: ${noEmulatorPackages}`,
  );
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
