#!/usr/bin/env node
import { runCli } from './cli';

/** Exits once stdout is flushed: pooled keep-alive connections must not keep a finished run alive. */
function exit(code: number): void {
  process.stdout.write('', () => process.exit(code));
}

const [command] = process.argv.slice(2);
runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
}).then(
  (code) => {
    // `emulate` keeps running until SIGTERM; everything else ends here.
    if (command !== 'emulate' || code !== 0) exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`lakepulse: ${String(err)}\n`);
    exit(1);
  },
);
