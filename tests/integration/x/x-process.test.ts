// `node bots/x/main.ts` as its own process: starts against the fake X API and serves /healthz and /metrics,
// stops cleanly on SIGTERM, exits 78 (EX_CONFIG) without credentials or when X refuses them.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startFakeX, type FakeX } from '../../fakes/x/index.ts';
import { spawnJsonProcess } from '../../helpers/json-process.ts';
import { REDIS_URL, dropPrefix, eventually, testPrefix } from '../../helpers/mesh-harness.ts';
import { CREDS } from './harness.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const prefix = testPrefix();
let fake: FakeX;

function envFor(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('HELIX_') || k === 'REDIS_URL') delete env[k];
  return { ...env, HELIX_REDIS__URL: REDIS_URL, HELIX_REDIS__PREFIX: prefix, HELIX_X__PORT: '0', HELIX_X__API_BASE_URL: fake.baseUrl, HELIX_X__POLL_MIN_MS: '200', ...extra };
}
const creds = () => ({ HELIX_X__APP_KEY: CREDS.appKey, HELIX_X__APP_SECRET: CREDS.appSecret, HELIX_X__ACCESS_TOKEN: CREDS.accessToken, HELIX_X__ACCESS_SECRET: CREDS.accessSecret });

beforeAll(async () => {
  fake = await startFakeX(CREDS);
});
afterAll(async () => {
  await fake?.close();
  await dropPrefix(prefix);
});

describe('x bot process', () => {
  test('GIVEN credentials THEN it logs where it listens, /healthz is 200 and /metrics has the X metrics; SIGTERM exits 0; no secret is logged', async () => {
    const proc = spawnJsonProcess(process.execPath, [join(ROOT, 'bots', 'x', 'main.ts')], { cwd: ROOT, env: envFor(creds()) });
    try {
      await eventually(() => proc.lines.some((l) => l.msg === 'x bot polling mentions') || proc.child.exitCode !== null, 60_000, 'the bot to start');
      const started = proc.lines.find((l) => l.msg === 'x bot polling mentions')!;
      expect(started).toMatchObject({ role: 'x', user_id: fake.me.id, username: 'helix' });
      const url = started.url as string;
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      await eventually(() => fake.requestsTo('GET /2/users/:id/mentions').length >= 2, 20_000, 'polls');
      expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/helix_x_polls_total\{source="mentions",outcome="ok",role="x"\}/);
      proc.child.kill('SIGTERM');
      expect(await proc.exit).toBe(0);
      const all = JSON.stringify(proc.lines) + proc.stderr();
      for (const secret of [CREDS.appSecret, CREDS.accessSecret, CREDS.accessToken]) expect(all).not.toContain(secret);
    } finally {
      if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
    }
  }, 90_000);

  test('GIVEN no credentials, or credentials X refuses THEN exit 78 with the reason', async () => {
    const none = spawnJsonProcess(process.execPath, [join(ROOT, 'bots', 'x', 'main.ts')], { cwd: ROOT, env: envFor({}) });
    expect(await none.exit).toBe(78);
    expect(JSON.stringify(none.lines)).toContain('Connecting X');
    const wrong = spawnJsonProcess(process.execPath, [join(ROOT, 'bots', 'x', 'main.ts')], { cwd: ROOT, env: envFor({ ...creds(), HELIX_X__APP_SECRET: 'wrong' }) });
    expect(await wrong.exit).toBe(78);
    expect(JSON.stringify(wrong.lines)).toContain('X refused the credentials');
  }, 90_000);
});
