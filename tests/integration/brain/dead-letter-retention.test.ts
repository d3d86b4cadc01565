// Dead-letter retention: entries older than redis.deadLetterKeepDays are removed by the brain, on real Redis.
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, test } from 'vitest';
import { Counter, DEAD_LETTER_QUEUE, DeadLetters, createLogger } from '../../../mesh/index.ts';
import { startDeadLetterRetention } from '../../../brain/dead-letter-retention.ts';
import { REDIS_URL, dropPrefix, eventually, testPrefix } from '../../helpers/mesh-harness.ts';

const DAY_MS = 86_400_000;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/** A dead-letter queue holding one entry written `ageDays` ago (its BullMQ stamp moved back) and one written now. */
async function oldAndNew(ageDays: number) {
  const prefix = testPrefix();
  const redis = new Redis(REDIS_URL);
  const dl = new DeadLetters(redis, prefix);
  cleanups.push(() => dropPrefix(prefix), () => redis.quit(), () => dl.close());
  const firstSeen = new Date().toISOString();
  await dl.write({ queue: 'inbound', jobId: 'web-old', payload: { text: 1 }, code: 'payload_invalid', reason: 'expected string', firstSeen });
  await dl.write({ queue: 'inbound', jobId: 'web-new', payload: { text: 2 }, code: 'payload_invalid', reason: 'expected string', firstSeen });
  await redis.hset(`${prefix}:${DEAD_LETTER_QUEUE}:dl-inbound-web-old`, 'timestamp', String(Date.now() - ageDays * DAY_MS));
  return { prefix, redis, dl };
}

function logLines() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, log: createLogger('brain', 'info', sink) };
}

describe('dead-letter retention', () => {
  test('GIVEN an entry older than the keep time and one written now THEN the brain removes only the old one at start, counts it and logs it', async () => {
    const { dl } = await oldAndNew(31);
    const { lines, log } = logLines();
    const trimmed = new Counter({ name: 'test_dead_letters_trimmed_total', help: 'test', registers: [] });
    const retention = startDeadLetterRetention({ deadLetters: dl, log, keepMs: 30 * DAY_MS, trimmed });
    cleanups.push(() => retention.close());
    await eventually(async () => (await trimmed.get()).values[0]?.value === 1, 5_000, 'the old entry trimmed');
    expect((await dl.stored()).map((s) => s.id)).toEqual(['dl-inbound-web-new']);
    expect(lines.find((l) => l.msg === 'old dead letters removed')).toMatchObject({ removed: 1, keptDays: 30 });
    // Nothing more is old enough: a second trim removes nothing.
    expect(await retention.trim()).toBe(0);
  });

  test('GIVEN a keep time of 0 THEN nothing is ever removed, however old', async () => {
    const { dl } = await oldAndNew(3_000);
    const { log } = logLines();
    const retention = startDeadLetterRetention({ deadLetters: dl, log, keepMs: 0, intervalMs: 20 });
    cleanups.push(() => retention.close());
    expect(await retention.trim()).toBe(0);
    await new Promise((r) => setTimeout(r, 100));
    expect(await dl.stored()).toHaveLength(2);
  });

  test('GIVEN more old entries than one trim script takes THEN every one of them goes and the newer ones stay', async () => {
    const prefix = testPrefix();
    const redis = new Redis(REDIS_URL);
    const dl = new DeadLetters(redis, prefix);
    cleanups.push(() => dropPrefix(prefix), () => redis.quit(), () => dl.close());
    const firstSeen = new Date().toISOString();
    const write = (jobId: string) => dl.write({ queue: 'outbound-web', jobId, payload: {}, code: 'platform_rejected', reason: 'gone', firstSeen });
    // Written in order, as they arrive: 1,200 entries 40 days ago (their stamps moved back), then two today.
    for (let i = 0; i < 1_200; i++) await write(`r-${i}`);
    const pipeline = redis.pipeline();
    for (let i = 0; i < 1_200; i++) pipeline.hset(`${prefix}:${DEAD_LETTER_QUEUE}:dl-outbound-web-r-${i}`, 'timestamp', String(Date.now() - 40 * DAY_MS));
    await pipeline.exec();
    await write('r-today-1');
    await write('r-today-2');
    expect(await dl.trim(30 * DAY_MS)).toBe(1_200);
    expect((await dl.stored(2_000)).map((s) => s.id)).toEqual(['dl-outbound-web-r-today-1', 'dl-outbound-web-r-today-2']);
  });

  test('GIVEN Redis gone mid-life THEN a failed trim is logged, the brain keeps going, and close is idempotent', async () => {
    const prefix = testPrefix();
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => {});
    const dl = new DeadLetters(redis, prefix);
    cleanups.push(() => dl.close());
    await redis.ping();
    redis.disconnect();
    const { lines, log } = logLines();
    const retention = startDeadLetterRetention({ deadLetters: dl, log, keepMs: DAY_MS, intervalMs: 20 });
    await eventually(() => lines.some((l) => l.msg === 'dead letters not trimmed; trying again next time'), 5_000, 'the failed trim logged');
    await retention.close();
    await retention.close();
    expect(await retention.trim()).toBe(0);
  });
});
