// The mailbox's ordering rule on its own (real Redis): a conversation is ordered by the producer's
// receivedAt, whatever order the brain's concurrent intake happens to accept messages in.
import { Redis } from 'ioredis';
import { afterEach, describe, expect, test } from 'vitest';
import { ConversationMailbox, conversationKey } from '../../../brain/conversation-mailbox.ts';
import { jobIdFor, monotonicNow } from '../../../mesh/index.ts';
import { REDIS_URL, dropPrefix, makeTurn, testPrefix } from '../../helpers/mesh-harness.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

describe('conversation mailbox order', () => {
  test('GIVEN messages accepted in reverse arrival order THEN a claim returns them in received-at order', async () => {
    const prefix = testPrefix();
    const redis = new Redis(REDIS_URL);
    cleanups.push(() => dropPrefix(prefix), () => redis.quit());
    const mailbox = new ConversationMailbox(redis, prefix, 600);
    const turns = Array.from({ length: 10 }, (_, i) => makeTurn({ text: `m${i}`, conversationId: 'c', receivedAt: monotonicNow().toISOString() }));
    let gen = 0;
    for (const t of [...turns].reverse()) gen = Math.max(gen, (await mailbox.accept(t, jobIdFor(t.platform, t.eventId), Date.now())).gen);
    const claim = await mailbox.claim(conversationKey('web', 'c'), gen, 50);
    expect(claim.status).toBe('ok');
    if (claim.status !== 'ok') return;
    expect(claim.payloads.map((p) => (JSON.parse(p) as { text: string }).text)).toEqual(turns.map((t) => t.text));
  });

  test('GIVEN a tight loop THEN the monotonic clock never repeats or goes back', () => {
    let prev = 0;
    for (let i = 0; i < 10_000; i++) {
      const t = monotonicNow().getTime();
      expect(t).toBeGreaterThan(prev);
      prev = t;
    }
  });
});
