import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { HelixConfig } from '../config/index.ts';
import { HelixError } from '../mesh/errors.ts';
import { redisAnswers, startPrivateRedisServer, type PrivateRedisProcess } from './private-redis.ts';

/** Where `npm start` gets Redis from, and the private server when it runs one. */
export type RedisChoice =
  | { source: 'configured'; url: string }
  | { source: 'private'; url: string; server: PrivateRedisProcess }
  | { source: 'private-reused'; url: string }
  | { source: 'local'; url: string };

export interface ChooseRedisOptions {
  /** The PATH to look for redis-server in. @defaultValue process.env.PATH */
  path?: string;
  /** Redis used when there is no URL and no redis-server binary. @defaultValue redis://127.0.0.1:6379 */
  fallbackUrl?: string;
}

/** The command that installs Redis on this kind of machine, for the error message. */
export const INSTALL_REDIS = 'sudo apt-get install -y redis-server   # Debian/Ubuntu (macOS: brew install redis)';

/**
 * Picks Redis as the README promises: `redis.url` (or REDIS_URL) if set; else a private redis-server
 * with AOF under `redis.embedded.dir`; else one already on 127.0.0.1:6379; else a clear error.
 */
export async function chooseRedis(redis: HelixConfig['redis'], opts: ChooseRedisOptions = {}): Promise<RedisChoice> {
  if (redis.url) return { source: 'configured', url: redis.url };
  if (redis.embedded.enabled) {
    const privateUrl = `redis://127.0.0.1:${redis.embedded.port}`;
    // A private server left running (e.g. by a supervisor that was killed) keeps its data: use it.
    if (await redisAnswers(privateUrl)) return { source: 'private-reused', url: privateUrl };
    const binary = findOnPath('redis-server', opts.path ?? process.env.PATH ?? '');
    if (binary) {
      const server = await startPrivateRedisServer(binary, redis.embedded.port, redis.embedded.dir);
      return { source: 'private', url: server.url, server };
    }
  }
  const fallbackUrl = opts.fallbackUrl ?? 'redis://127.0.0.1:6379';
  if (await redisAnswers(fallbackUrl)) return { source: 'local', url: fallbackUrl };
  throw new HelixError(
    'redis_unavailable',
    `Helix needs Redis and found none: REDIS_URL is not set, redis-server is not installed${redis.embedded.enabled ? '' : ' (or redis.embedded.enabled is false)'}, and nothing answers at ${fallbackUrl}.\n` +
      `Install it with:\n  ${INSTALL_REDIS}\nor point Helix at one: REDIS_URL=redis://host:6379 npm start`,
  );
}

function findOnPath(name: string, path: string): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
