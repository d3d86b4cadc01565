import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const compose = (env: Record<string, string>) =>
  spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });

describe('docker-compose.yml', () => {
  test('GIVEN an access token THEN docker-compose validates it and it runs redis, postgres, the brain and the console on the same image', () => {
    const r = compose({ HELIX_WEB_ACCESS_TOKEN: 'a-token-of-enough-length' });
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.status).toBe(0);
    const cfg = parse(r.stdout) as { services: Record<string, { command?: string[]; environment?: Record<string, string>; image?: string; profiles?: string[] }> };
    expect(Object.keys(cfg.services).sort()).toEqual(['brain', 'discord', 'postgres', 'redis', 'web']);
    // The Discord bot needs a token, so it runs only with `--profile discord`.
    expect(cfg.services.discord!.profiles).toEqual(['discord']);
    expect(cfg.services.discord!.command).toEqual(['node', 'bots/discord/main.ts']);
    expect(cfg.services.brain!.command).toEqual(['node', 'brain/main.ts']);
    expect(cfg.services.web!.command).toEqual(['node', 'bots/web/main.ts']);
    expect(cfg.services.web!.environment).toMatchObject({ HELIX_WEB__HOST: '0.0.0.0', HELIX_WEB__ACCESS_TOKEN: 'a-token-of-enough-length', REDIS_URL: 'redis://redis:6379' });
    expect(cfg.services.redis!.command).toContain('--appendonly');
  });

  test('GIVEN no access token THEN docker-compose refuses, because the console would be open to the network', () => {
    const r = compose({});
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('HELIX_WEB_ACCESS_TOKEN');
  });
});
