// A browser session's history in real Redis: a redelivered entry is stored once, and what the session keeps (its
// entries and the ids it remembers to drop redeliveries) stays bounded however long the session lives.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, test } from 'vitest';
import { SessionHistory } from '../../../bots/web/session-history.ts';
import { HISTORY_DEDUPE_KEYS, HISTORY_ENTRIES } from '../../../bots/web/limits.ts';
import { REDIS_URL, dropPrefix, testPrefix } from '../../helpers/mesh-harness.ts';

const prefix = testPrefix();
const redis = new Redis(REDIS_URL);
afterAll(async () => {
  await dropPrefix(prefix);
  await redis.quit();
});

const reply = (n: number) => ({ kind: 'final' as const, replyId: `r-${n}`, parts: [`reply ${n}`], at: new Date(0).toISOString() });

describe('web console session history', () => {
  test('GIVEN the same reply delivered twice THEN it is stored once', async () => {
    const history = new SessionHistory(redis, prefix);
    expect(await history.append('s-once', 'r:r-1', reply(1))).toMatchObject({ id: 1, replyId: 'r-1' });
    expect(await history.append('s-once', 'r:r-1', reply(1))).toBeUndefined();
    expect((await history.since('s-once')).map((e) => e.id)).toEqual([1]);
  });

  test(`GIVEN a session that lives on for many exchanges THEN it keeps its newest ${HISTORY_ENTRIES} entries and ${HISTORY_DEDUPE_KEYS} ids, and a recent redelivery is still dropped`, async () => {
    const history = new SessionHistory(redis, prefix);
    const total = HISTORY_DEDUPE_KEYS + 300;
    for (let n = 1; n <= total; n++) await history.append('s-long', `r:r-${n}`, reply(n));
    const kept = await history.since('s-long');
    expect(kept.map((e) => e.id)).toEqual(Array.from({ length: HISTORY_ENTRIES }, (_, i) => total - HISTORY_ENTRIES + 1 + i));
    const keys = (await redis.keys(`${prefix}:web:s:s-long:*`)).sort();
    expect(keys).toEqual([`${prefix}:web:s:s-long:dedupe`, `${prefix}:web:s:s-long:list`, `${prefix}:web:s:s-long:seq`]);
    expect(await redis.zcard(`${prefix}:web:s:s-long:dedupe`)).toBe(HISTORY_DEDUPE_KEYS);
    expect(await history.append('s-long', `r:r-${total - HISTORY_DEDUPE_KEYS + 1}`, reply(total))).toBeUndefined();
    expect(await redis.ttl(`${prefix}:web:s:s-long:dedupe`)).toBeGreaterThan(0);
  });
});
