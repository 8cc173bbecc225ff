import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Runs every *.bench.js beside this file, each in its own process (so heap and RSS figures are its own). */
const files = readdirSync(__dirname).filter((f) => f.endsWith('.bench.js')).sort();
let failed = 0;
for (const file of files) {
  process.stdout.write(`# ${file}\n`);
  const r = spawnSync(process.execPath, ['--expose-gc', join(__dirname, file)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed += 1;
    process.stdout.write(`# ${file} exited with ${r.status ?? r.signal}\n`);
  }
}
process.exitCode = failed ? 1 : 0;
