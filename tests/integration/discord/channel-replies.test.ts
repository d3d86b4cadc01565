// The reply marks Discord bot processes share (real Redis): a channel is answered up to the newest message
// any process replied to, a late reply to an older message never moves the mark back, and marks expire.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, test } from 'vitest';
import { ChannelReplies, compareSnowflakes } from '../../../bots/discord/channel-replies.ts';
import { REDIS_URL, dropPrefix, testPrefix } from '../../helpers/mesh-harness.ts';

const prefix = testPrefix();
const redis = new Redis(REDIS_URL);
afterAll(async () => {
  await dropPrefix(prefix);
  await redis.quit();
});

describe('ChannelReplies', () => {
  test('GIVEN replies in any order THEN the channel counts as answered up to the newest message replied to, and no further', async () => {
    const replies = new ChannelReplies(redis, prefix, 60_000);
    expect(await replies.answered('111111111111111111', '1000000000000000002')).toBe(false);
    await replies.mark('111111111111111111', '1000000000000000002');
    await replies.mark('111111111111111111', '1000000000000000001'); // a late reply to an older message
    expect(await replies.answered('111111111111111111', '1000000000000000001')).toBe(true);
    expect(await replies.answered('111111111111111111', '1000000000000000002')).toBe(true);
    expect(await replies.answered('111111111111111111', '1000000000000000003')).toBe(false);
    // Snowflakes grow in length over time: a longer id is a later message.
    expect(await replies.answered('111111111111111111', '10000000000000000000')).toBe(false);
    // Other channels are their own.
    expect(await replies.answered('222222222222222222', '1000000000000000001')).toBe(false);
  });

  test('GIVEN a mark older than its lifetime THEN it is gone', async () => {
    const replies = new ChannelReplies(redis, prefix, 100);
    await replies.mark('333333333333333333', '1000000000000000005');
    await new Promise((r) => setTimeout(r, 250));
    expect(await replies.answered('333333333333333333', '1000000000000000001')).toBe(false);
  });

  test('compareSnowflakes orders by length, then digits', () => {
    expect(compareSnowflakes('9', '10')).toBeLessThan(0);
    expect(compareSnowflakes('123', '123')).toBe(0);
    expect(compareSnowflakes('124', '123')).toBeGreaterThan(0);
  });
});
