// The bench's Redis: which server, a key prefix of its own per measurement, and removing those keys after.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/** The shared Redis the in-process measurements run on. */
export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

/** Prefixes handed out and not dropped yet (dropped on Ctrl-C too). */
const live = new Set<string>();

/** A key prefix nobody else uses: a Cluster hash tag, like Helix's own `{helix}`. */
export function benchPrefix(what: string): string {
  const prefix = `{bench-${what}-${randomUUID().slice(0, 8)}}`;
  live.add(prefix);
  return prefix;
}

/** Drops every prefix handed out and not dropped yet. */
export async function dropAllPrefixes(): Promise<void> {
  await Promise.allSettled([...live].map((p) => dropPrefix(p)));
}

/** A connection as BullMQ workers want it (commands wait out a reconnect). */
export function connect(url = REDIS_URL): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  redis.on('error', () => {});
  return redis;
}

/** Deletes every key under `prefix`; returns how many. */
export async function dropPrefix(prefix: string, url = REDIS_URL): Promise<number> {
  const redis = connect(url);
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 2_000);
      cursor = next;
      if (keys.length) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
  live.delete(prefix);
  return deleted;
}
