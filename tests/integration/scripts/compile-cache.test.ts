// npm install (postinstall) and npm start fill Node's compile cache with every source module, without running
// any, so that no role ever loads the TypeScript stripper (it stays resident: ~35 MB across the roles).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
// @ts-expect-error: plain JavaScript (it must run before anything is installed), no type declarations
import { compileCacheIsFilled, fillCompileCache, helixNode, sourceModules } from '../../../scripts/compile-cache.mjs';

const NODE24 = helixNode(process.cwd()) as string;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = (name: string) => {
  const d = mkdtempSync(join(tmpdir(), `helix-${name}-`));
  dirs.push(d);
  return d;
};

/** A tiny project: an entry that writes a marker file when it runs, a module it imports, and folders the cache skips. */
function tinyProject(): { root: string; marker: string } {
  const root = tempDir('cc-root');
  const marker = join(root, 'ran.txt');
  mkdirSync(join(root, 'role'));
  mkdirSync(join(root, 'tests'));
  writeFileSync(join(root, 'role', 'greeting.ts'), 'export const greeting: string = "hi";\n');
  writeFileSync(
    join(root, 'role', 'main.ts'),
    `import { writeFileSync } from 'node:fs';\nimport { greeting } from './greeting.ts';\nconst stripper: boolean = process.moduleLoadList.some((m) => m.includes('amaro'));\nwriteFileSync(${JSON.stringify(marker)}, JSON.stringify({ greeting, stripper }));\n`,
  );
  writeFileSync(join(root, 'role', 'types.d.ts'), 'export type Never = never;\n');
  writeFileSync(join(root, 'tests', 'ignored.ts'), 'throw new Error("tests are not role modules");\n');
  return { root, marker };
}

describe('the compile cache', () => {
  test('GIVEN a project WHEN the cache is filled THEN no module ran, and a process started on it never loads the TypeScript stripper', () => {
    const { root, marker } = tinyProject();
    const cache = join(tempDir('cc-cache'), 'node-compile');
    expect(sourceModules(root).map((f: string) => f.slice(root.length + 1))).toEqual(['role/greeting.ts', 'role/main.ts']);

    expect(fillCompileCache(root, NODE24, cache)).toMatch(/^filled: 2 modules in \d+ ms$/);
    expect(existsSync(marker)).toBe(false);
    expect(readdirSync(cache)).toContain('helix-filled-for');

    execFileSync(NODE24, [join(root, 'role', 'main.ts')], { env: { ...process.env, NODE_COMPILE_CACHE: cache } });
    expect(JSON.parse(readFileSync(marker, 'utf8'))).toEqual({ greeting: 'hi', stripper: false });

    // Without the cache the same process does load it (what this spares).
    rmSync(marker);
    execFileSync(NODE24, [join(root, 'role', 'main.ts')], { env: { ...process.env, NODE_COMPILE_CACHE: join(tempDir('cc-empty'), 'c') } });
    expect(JSON.parse(readFileSync(marker, 'utf8'))).toEqual({ greeting: 'hi', stripper: true });
  }, 60_000);

  test('GIVEN a filled cache THEN the next start does nothing, until a source changes', () => {
    const { root } = tinyProject();
    const cache = join(tempDir('cc-cache'), 'node-compile');
    fillCompileCache(root, NODE24, cache);
    expect(compileCacheIsFilled(root, NODE24, cache)).toBe(true);
    expect(fillCompileCache(root, NODE24, cache)).toBe('already filled');

    const later = new Date(Date.now() + 5_000);
    utimesSync(join(root, 'role', 'greeting.ts'), later, later);
    expect(compileCacheIsFilled(root, NODE24, cache)).toBe(false);
    expect(fillCompileCache(root, NODE24, cache)).toMatch(/^filled: 2 modules/);
  }, 60_000);

  test('GIVEN a module that does not compile THEN filling says why and fails nothing', () => {
    const { root } = tinyProject();
    writeFileSync(join(root, 'role', 'broken.ts'), 'export const = ;\n');
    const cache = join(tempDir('cc-cache'), 'node-compile');
    expect(fillCompileCache(root, NODE24, cache)).toMatch(/^not filled: /);
    expect(compileCacheIsFilled(root, NODE24, cache)).toBe(false);
  }, 60_000);

  test('GIVEN this repository THEN every role entry is among the modules filled', () => {
    const modules = sourceModules(process.cwd()).map((f: string) => f.slice(process.cwd().length + 1));
    for (const entry of ['supervisor/main.ts', 'brain/main.ts', 'bots/web/main.ts', 'ops/main.ts', 'bots/discord/main.ts']) expect(modules).toContain(entry);
    expect(modules.some((m: string) => m.startsWith('tests/') || m.startsWith('bench/') || m.endsWith('.d.ts'))).toBe(false);
  });
});
