// The inline/async arbiter on real Redis: whichever side moves first, exactly one of "the HTTP request
// answers with the reply" and "the delivery worker posts it" happens.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { InlineReplies } from '../../../bots/gchat/inline-replies.ts';
import { REDIS_URL, dropPrefix, testPrefix } from '../../helpers/mesh-harness.ts';

const prefix = testPrefix();
let redisA: Redis, subA: Redis, redisB: Redis, subB: Redis;
/** Replica A holds HTTP requests; replica B delivers. */
let a: InlineReplies;
let b: InlineReplies;
const msg = (text: string) => ({ text, thread: { name: 'spaces/S/threads/T' } });
let n = 0;
const eventId = () => `spaces/S/messages/m${++n}.x`;

beforeAll(async () => {
  const open = () => new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  [redisA, subA, redisB, subB] = [open(), open(), open(), open()];
  a = await InlineReplies.start(redisA, subA, prefix, 60_000);
  b = await InlineReplies.start(redisB, subB, prefix, 60_000);
});

afterAll(async () => {
  await a.close();
  await b.close();
  for (const r of [redisA, subA, redisB, subB]) await r.quit();
  await dropPrefix(prefix);
});

describe('InlineReplies', () => {
  test('GIVEN a waiting request THEN an offered reply is answered inline, and the offer says so', async () => {
    const id = eventId();
    const wait = await a.begin(id, 5_000);
    const [got, how] = await Promise.all([wait.result(), b.offer(id, msg('hi'), 2_000)]);
    expect(got).toEqual(msg('hi'));
    expect(how).toBe('inline');
  });

  test('GIVEN no request waits THEN the offer is async at once', async () => {
    const started = Date.now();
    expect(await b.offer(eventId(), msg('late'), 2_000)).toBe('async');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  test('GIVEN the request\'s budget ran out first THEN it answers empty and the offer is async', async () => {
    const id = eventId();
    const wait = await a.begin(id, 150);
    expect(await wait.result()).toBeUndefined();
    expect(await b.offer(id, msg('too late'), 2_000)).toBe('async');
  });

  test('GIVEN the waiting request never takes the reply (its process died) THEN the offer takes it back after the handoff time and is async', async () => {
    const id = eventId();
    await a.begin(id, 10_000); // result() never called: nobody will take it
    const started = Date.now();
    expect(await b.offer(id, msg('orphan'), 300)).toBe('async');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  test('GIVEN a reply that cannot go inline (several messages) THEN the offer is async and the request answers empty', async () => {
    const id = eventId();
    const wait = await a.begin(id, 400);
    expect(await b.offer(id, undefined, 2_000)).toBe('async');
    expect(await wait.result()).toBeUndefined();
  });

  test('GIVEN budgets that end right around the offer THEN every time exactly one side wins', async () => {
    const outcomes = await Promise.all(Array.from({ length: 40 }, async (_, i) => {
      const id = eventId();
      const wait = await a.begin(id, 20 + (i % 8) * 10);
      const [got, how] = await Promise.all([
        wait.result(),
        new Promise((r) => setTimeout(r, (i * 7) % 90)).then(() => b.offer(id, msg(`r${i}`), 1_000)),
      ]);
      return { inline: got !== undefined, how };
    }));
    for (const o of outcomes) expect(o.inline).toBe(o.how === 'inline');
  });
});
