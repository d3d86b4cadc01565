import { Redis } from 'ioredis';

/** The default key prefix. The braces are a Redis Cluster hash tag: all of Helix's keys share one slot, as BullMQ's Lua scripts need. */
export const DEFAULT_KEY_PREFIX = '{helix}';

/**
 * How a connection is used. Workers block and must wait out a Redis outage (`maxRetriesPerRequest: null`);
 * producers fail fast so a bot never acknowledges its platform before the envelope is on the queue.
 * @see https://docs.bullmq.io/guide/going-to-production
 */
export type RedisRole = 'worker' | 'producer';

/** Checks a key prefix works on Redis Cluster (a `{tag}`) and is safe for BullMQ (no trailing `:`). */
export function assertKeyPrefix(prefix: string): void {
  if (!/^\{[^{}:]+\}$/.test(prefix)) {
    throw new Error(`redis.prefix "${prefix}" must be a Redis Cluster hash tag like {helix} (braces, no colon) so every key of a queue lands in one slot.`);
  }
}

/** The one way Helix opens Redis. Callers own the connection and `quit()` it on close. */
export function createRedis(url: string, role: RedisRole, name?: string): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: role === 'worker',
    // Reconnect forever with a capped backoff: a Redis restart must not end a Helix process.
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    ...(name ? { connectionName: name } : {}),
    lazyConnect: false,
  });
  // Without a listener, ioredis prints every reconnect error; the owner attaches its logger.
  redis.on('error', () => {});
  return redis;
}

/** Resolves once the connection is ready (producers have no offline queue, so wait before the first command). */
export async function redisReady(redis: Redis, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis did not become ready within ${timeoutMs} ms (status ${redis.status}). Is redis-server running at the configured redis.url?`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}

/** Whether a connection is currently in an outage, as {@link logOutages} tracks it. */
export interface OutageState {
  readonly down: boolean;
}

/** Logs a Redis outage once when it starts and once when it ends (ioredis retries forever in between). */
export function logOutages(redis: Redis, log: { warn(obj: object, msg: string): void; info(msg: string): void }): OutageState {
  const state = { down: false };
  redis.on('error', (err: Error) => {
    if (!state.down) log.warn({ err: err.message }, 'redis unreachable; retrying');
    state.down = true;
  });
  redis.on('ready', () => {
    if (state.down) log.info('redis reachable again');
    state.down = false;
  });
  return state;
}
