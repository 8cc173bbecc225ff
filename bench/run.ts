import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `npm run bench`: runs every `*.bench.js` beside this file, one after another, each in its own child process
 * (`node --expose-gc`, so heap figures and JIT state are its own), forwarding its stdout and stderr. Exits non-zero
 * if any benchmark fails, hangs past the time limit, or there is none.
 */
const TIME_LIMIT_MS = 10 * 60_000;

const files = readdirSync(__dirname)
  .filter((f) => f.endsWith('.bench.js'))
  .sort();
const failed: string[] = [];
for (const file of files) {
  process.stdout.write(`# ${file}\n`);
  const r = spawnSync(process.execPath, ['--expose-gc', join(__dirname, file)], { stdio: 'inherit', timeout: TIME_LIMIT_MS });
  if (r.error !== undefined || r.status !== 0) {
    failed.push(file);
    const why = r.error !== undefined ? r.error.message : r.signal !== null ? `signal ${r.signal}` : `exit status ${r.status}`;
    process.stderr.write(`# ${file} failed: ${why}\n`);
  }
}
if (files.length === 0) process.stderr.write(`# no *.bench.js in ${__dirname}\n`);
process.exitCode = failed.length > 0 || files.length === 0 ? 1 : 0;
