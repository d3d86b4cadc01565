// `node bots/discord/main.ts` as its own process against the fake Discord: it starts, serves /healthz,
// stops in order on SIGTERM, and stops with EX_CONFIG (no restart loop) when Discord refuses its token.
import { join } from 'node:path';
import { spawnJsonProcess } from '../helpers/json-process.ts';
import { afterEach, describe, expect, test } from 'vitest';
import { startFakeDiscord } from '../fakes/discord/index.ts';
import { REDIS_URL, dropPrefix, eventually, testPrefix } from '../helpers/mesh-harness.ts';
import { freePort } from '../helpers/private-redis.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => undefined);
});

function runBot(env: Record<string, string>) {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(base)) if (k.startsWith('HELIX_') || k.startsWith('DISCORD_') || k === 'REDIS_URL') delete base[k];
  const { child, lines, exit } = spawnJsonProcess(process.execPath, [join(ROOT, 'bots', 'discord', 'main.ts')], { cwd: ROOT, env: { ...base, ...env } });
  cleanups.push(async () => {
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await exit;
    }
  });
  return { child, lines, exit };
}

describe('discord bot process', () => {
  test('GIVEN a token THEN the process logs in, serves /healthz, and stops in order on SIGTERM', async () => {
    const fake = await startFakeDiscord();
    const prefix = testPrefix();
    cleanups.push(() => fake.close(), () => dropPrefix(prefix));
    const port = await freePort();
    const bot = runBot({ HELIX_REDIS__URL: REDIS_URL, HELIX_REDIS__PREFIX: prefix, DISCORD_TOKEN: fake.token, HELIX_DISCORD__API_URL: fake.apiUrl, HELIX_DISCORD__PORT: String(port) });
    await eventually(() => bot.lines.some((l) => l.msg === 'discord bot ready'), 20_000, 'the bot to be ready');
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toContain('helix_discord_gateway_latency_seconds');
    bot.child.kill('SIGTERM');
    expect(await bot.exit).toBe(0);
    expect(bot.lines.map((l) => l.msg)).toContain('discord bot stopped');
    expect(JSON.stringify(bot.lines)).not.toContain(fake.token);
    await expect.poll(() => fake.records.connections.every((c) => c.closedAt !== undefined)).toBe(true);
  });

  test('GIVEN a token Discord refuses THEN the process exits 78 and says which key to fix', async () => {
    const fake = await startFakeDiscord();
    const prefix = testPrefix();
    cleanups.push(() => fake.close(), () => dropPrefix(prefix));
    const bot = runBot({ HELIX_REDIS__URL: REDIS_URL, HELIX_REDIS__PREFIX: prefix, DISCORD_TOKEN: 'MTAw.not-the-right.token-at-all', HELIX_DISCORD__API_URL: fake.apiUrl, HELIX_DISCORD__PORT: '0' });
    expect(await bot.exit).toBe(78);
    expect(bot.lines.find((l) => l.level === 'fatal')?.msg).toMatch(/discord\.token/);
  });
});
