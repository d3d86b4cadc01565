import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

const run = promisify(execFile);
const ROOT = new URL('../../../', import.meta.url).pathname;
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs');

/** A throwaway tree with our lint config, where each case writes one importing file. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'helix-lint-'));
  cpSync(join(ROOT, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', allowImportingTsExtensions: true, noEmit: true } }));
  for (const [path, body] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), body);
  }
  return dir;
}

async function lint(dir: string): Promise<{ code: number; out: string }> {
  try {
    const folders = ['mesh', 'config', 'brain', 'bots', 'ops', 'store'].filter((f) => existsSync(join(dir, f)));
    const { stdout } = await run(process.execPath, [DEPCRUISE, '--config', '.dependency-cruiser.cjs', ...folders], { cwd: dir });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

const base = {
  'mesh/index.ts': 'export const x = 1;\n',
  'config/index.ts': "import { x } from '../mesh/index.ts';\nexport const y = x;\n",
  'brain/index.ts': "import { y } from '../config/index.ts';\nexport const z = y;\n",
  'store/index.ts': "export const s = 1;\n",
};

describe('npm run lint: import boundaries', () => {
  test('GIVEN imports ARCHITECTURE.md allows THEN lint passes', async () => {
    const r = await lint(tree({ ...base, 'bots/web/main.ts': "import { y } from '../../config/index.ts';\nexport const w = y;\n" }));
    expect(r.code).toBe(0);
  });

  test.each([
    ['a bot imports the brain', 'bots/web/main.ts', "import { z } from '../../brain/index.ts';\nexport const w = z;\n", 'bots-imports'],
    ['a bot imports another bot', 'bots/slack/main.ts', "import { w } from '../web/main.ts';\nexport const v = w;\n", 'bots-not-each-other'],
    ['mesh imports config', 'mesh/bad.ts', "import { y } from '../config/index.ts';\nexport const b = y;\n", 'mesh-imports'],
    ['ops imports the brain', 'ops/main.ts', "import { z } from '../brain/index.ts';\nexport const o = z;\n", 'ops-imports'],
  ])('GIVEN %s THEN lint fails naming the rule', async (_name, path, body, rule) => {
    const files: Record<string, string> = { ...base, 'bots/web/main.ts': 'export const w = 1;\n', [path]: body };
    const r = await lint(tree(files));
    expect(r.code).not.toBe(0);
    expect(r.out).toContain(rule);
  });
});
