import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, test } from 'vitest';
import { HelixConfig } from '../../../config/index.ts';
import { HelixError } from '../../../mesh/index.ts';
import { chooseRedis } from '../../../supervisor/redis-choice.ts';
import { freePort } from '../../helpers/private-redis.ts';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => undefined);
});

const redisSection = (patch: Record<string, unknown>) => HelixConfig.parse({ redis: patch }).redis;

describe('npm start chooses Redis', () => {
  test('GIVEN redis.url THEN it is used as is, nothing started', async () => {
    const choice = await chooseRedis(redisSection({ url: 'redis://example.invalid:6379' }));
    expect(choice).toEqual({ source: 'configured', url: 'redis://example.invalid:6379' });
  });

  test('GIVEN no URL and redis-server installed THEN a private server runs on its own port and dir with AOF on, and a second start reuses it', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'helix-choice-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const choice = await chooseRedis(redisSection({ embedded: { port, dir } }));
    expect(choice.source).toBe('private');
    if (choice.source !== 'private') return;
    cleanups.push(() => choice.server.stop());
    expect(choice.url).toBe(`redis://127.0.0.1:${port}`);
    const redis = new Redis(choice.url);
    cleanups.push(() => redis.quit());
    expect(await redis.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    expect(await redis.config('GET', 'dir')).toEqual(['dir', dir]);
    expect(await redis.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);

    const again = await chooseRedis(redisSection({ embedded: { port, dir } }));
    expect(again).toEqual({ source: 'private-reused', url: choice.url });
  });

  test('GIVEN no URL, the private server disabled and Redis on 127.0.0.1:6379 THEN that one is used', async () => {
    const choice = await chooseRedis(redisSection({ embedded: { enabled: false } }));
    expect(choice).toEqual({ source: 'local', url: 'redis://127.0.0.1:6379' });
  });

  test('GIVEN no URL, no redis-server binary and nothing listening THEN start stops with the exact install command', async () => {
    const closed = `redis://127.0.0.1:${await freePort()}`;
    const err = await chooseRedis(redisSection({ embedded: { port: await freePort() } }), { path: '/nonexistent', fallbackUrl: closed }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HelixError);
    expect((err as HelixError).code).toBe('redis_unavailable');
    expect((err as Error).message).toContain('sudo apt-get install -y redis-server');
    expect((err as Error).message).toContain('REDIS_URL=');
  });
});
