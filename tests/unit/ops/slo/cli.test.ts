import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';

const run = promisify(execFile);
const ROOT = new URL('../../../../', import.meta.url).pathname;
const NODE = join(ROOT, 'node_modules/.bin/node');
const CLI = join(ROOT, 'ops/slo/cli.ts');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'helix-slo-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(args: string[], cwd = ROOT, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(NODE, [CLI, ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('npm run slo:rules (ops/slo/cli.ts)', () => {
  test("GIVEN Helix's spec THEN it prints a rule file with a group per SLO", async () => {
    const result = await cli(['ops/slo/helix.slo.yaml']);
    expect(result.code).toBe(0);
    const rules = parse(result.stdout) as { groups: { name: string }[] };
    expect(rules.groups.map((g) => g.name)).toEqual(['slo-helix-turn-success', 'slo-helix-turn-latency', 'slo-helix-delivery-success', 'slo-helix-paging-success']);
  });

  test('GIVEN an invalid spec THEN it exits 1 and lists the problem with its line', async () => {
    const bad = join(dir, 'bad.slo.yaml');
    await writeFile(bad, 'version: 1\nservice: x\nruntime: 1\nslos: []\n');
    const result = await cli([bad]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/bad\.slo\.yaml:4: slos: must list at least one SLO/);
    expect(result.stdout).toBe('');
  });

  test('GIVEN no arguments THEN it reads slo.specFiles from the config and writes slo.rulesOut', async () => {
    await writeFile(join(dir, 'helix.config.yaml'), `slo:\n  specFiles: [${join(ROOT, 'ops/slo/helix.slo.yaml')}]\n  rulesOut: out/rules.yml\n`);
    const result = await cli(['--window-scale', '0.5'], dir);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('4 SLOs');
    const yaml = await readFile(join(dir, 'out/rules.yml'), 'utf8');
    expect(yaml).toContain('slo:sli_error:ratio_rate30m'); // 1h scaled by 0.5
  });
});
