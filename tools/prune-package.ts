import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `npm run build:azure` (what the Functions remote build runs instead of `build` when it exists), after the build and
 * `npm prune --omit=dev`: removes what a Node function never loads, so the deployed package stays small — the
 * browser, ESM and React Native builds of the Azure SDK (Node requires their CommonJS build), MSAL's browser library
 * (@azure/identity's Node build never requires it), source maps, the dependencies' type declarations and docs, and
 * the compiled tests, benchmarks and emulators.
 * `npm run bench` (deployment_package_mb) measures the result and loads every function entry from it.
 */
const root = process.argv[2] ?? process.cwd();
const removed: string[] = [];
const remove = (path: string) => {
  if (!existsSync(path)) return;
  rmSync(path, { recursive: true, force: true });
  removed.push(path);
};

const azure = join(root, 'node_modules', '@azure');
if (existsSync(azure)) {
  for (const pkg of readdirSync(azure)) {
    for (const build of ['esm', 'browser', 'react-native', 'workerd']) remove(join(azure, pkg, 'dist', build));
  }
  remove(join(azure, 'msal-browser'));
}
for (const dir of ['dist/test', 'dist/bench', 'dist/lib/emulators']) remove(join(root, dir));

const walk = (dir: string, inModules: boolean) => {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full, inModules);
    else if (name.endsWith('.map') || (inModules && (/\.d\.[cm]?ts$/.test(name) || /\.md$/i.test(name)))) rmSync(full);
  }
};
for (const dir of ['dist', 'node_modules']) if (existsSync(join(root, dir))) walk(join(root, dir), dir === 'node_modules');
process.stdout.write(`prune-package: removed ${removed.length} directories, every source map, and the type declarations and docs of node_modules\n`);
