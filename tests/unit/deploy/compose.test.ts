import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
// @ts-expect-error: plain JavaScript (it must run before anything is installed), no type declarations
import { sourceModules } from '../../../scripts/compile-cache.mjs';

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

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  /** Whether .dockerignore leaves `path` (relative, `/`-separated) out of the build context: its patterns here are names and `*.ext`. */
  const leftOut = (path: string) => path.split('/').some((part) => ignored.some((p) => (p.startsWith('*.') ? part.endsWith(p.slice(1)) : part === p)));

  test('GIVEN the build context THEN every module a role may load is copied into the image', () => {
    // The image once copied a list of folders that missed identity/, ops/ and voice/, which the brain imports.
    expect(dockerfile).toMatch(/^COPY \. \.$/m);
    const modules = sourceModules(ROOT).map((f: string) => relative(ROOT, f));
    expect(modules.length).toBeGreaterThan(100);
    expect(modules.filter(leftOut)).toEqual([]);
    for (const folder of ['brain', 'identity', 'ops', 'voice', 'bots', 'mesh', 'config', 'store', 'supervisor']) expect(modules.some((m: string) => m.startsWith(`${folder}/`))).toBe(true);
    expect(['tests/x.ts', 'bench/x.ts', 'node_modules/x/y.js', 'data/pg', 'models/m.gguf'].filter((p) => !leftOut(p))).toEqual([]);
  });

  test('GIVEN the image THEN its compile cache is filled at build, as the unprivileged user that runs it', () => {
    const user = dockerfile.indexOf('USER node');
    const fill = dockerfile.indexOf('RUN node scripts/compile-cache.mjs --after-install');
    expect(user).toBeGreaterThan(0);
    expect(fill).toBeGreaterThan(user);
    expect(dockerfile).toMatch(/^ENV NODE_COMPILE_CACHE=\/app\/\.cache\/node-compile /m);
    expect(dockerfile.indexOf('COPY scripts ./scripts')).toBeLessThan(dockerfile.indexOf('RUN npm install'));
  });
});
