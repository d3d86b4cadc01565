// The Redis side every bot and ops process opens the same way (real Redis): its queues and connections are
// closed after the process's own steps, once however often close() is called, and promptly while Redis is away.
import { afterEach, describe, expect, test } from 'vitest';
import { INBOUND_QUEUE, createLogger, openProcessRedis } from '../../../mesh/index.ts';
import { REDIS_URL, dropPrefix, eventually, testPrefix } from '../../helpers/mesh-harness.ts';

const prefixes: string[] = [];
afterEach(async () => {
  for (const p of prefixes.splice(0)) await dropPrefix(p);
});

function open(redisUrl = REDIS_URL, lines: string[] = []) {
  const prefix = testPrefix();
  prefixes.push(prefix);
  const log = createLogger('web', 'info', { write: (line: string) => void lines.push(line) });
  return { prefix, redis: openProcessRedis({ redisUrl, role: 'web', prefix, log }) };
}

describe('openProcessRedis', () => {
  test('GIVEN queues and an extra connection WHEN closed twice THEN the process steps run first and once, then every queue and connection is closed, and the stop is logged once', async () => {
    const lines: string[] = [];
    const { redis } = open(REDIS_URL, lines);
    const inbound = redis.queue(INBOUND_QUEUE);
    await inbound.add('turn', { hello: 1 }, { jobId: 'j1' });
    const sub = redis.connection('worker', 'helix-web-live');
    await sub.ping();
    const order: string[] = [];
    const steps = [['http', () => void order.push(`http, producer ${redis.producer.status}`)]] as const;
    await Promise.all([redis.close(steps, 'web console stopped'), redis.close([['again', () => void order.push('again')]], 'web console stopped')]);
    await redis.close(steps, 'web console stopped');

    expect(order).toEqual(['http, producer ready']);
    await eventually(async () => [redis.producer, redis.worker, sub].every((r) => r.status === 'end'), 2_000, 'every connection to end');
    await expect(inbound.add('turn', {})).rejects.toThrow();
    expect(lines.filter((l) => l.includes('web console stopped'))).toHaveLength(1);
    // Connections are named for the role, so CLIENT LIST tells processes apart.
    expect((redis.producer.options as { connectionName?: string }).connectionName).toBe('helix-web');
    expect((redis.worker.options as { connectionName?: string }).connectionName).toBe('helix-web-delivery');
  });

  test('GIVEN Redis unreachable WHEN closed THEN close returns promptly: nothing waits for Redis to come back', async () => {
    // Nothing listens on port 1: the worker connection is in an outage from the start.
    const { redis } = open('redis://127.0.0.1:1');
    redis.queue(INBOUND_QUEUE);
    await new Promise((r) => setTimeout(r, 300));
    const started = performance.now();
    await redis.close([], 'web console stopped');
    expect(performance.now() - started).toBeLessThan(4_000);
  });
});
