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

/** A mailbox under its own key prefix, dropped after the test. */
function freshMailbox(): ConversationMailbox {
  const prefix = testPrefix();
  const redis = new Redis(REDIS_URL);
  cleanups.push(() => dropPrefix(prefix), () => redis.quit());
  return new ConversationMailbox(redis, prefix, 600);
}

describe('conversation mailbox order', () => {
  test('GIVEN messages accepted in reverse arrival order THEN a claim returns them in received-at order', async () => {
    const mailbox = freshMailbox();
    const turns = Array.from({ length: 10 }, (_, i) => makeTurn({ text: `m${i}`, conversationId: 'c', receivedAt: monotonicNow().toISOString() }));
    let gen = 0;
    for (const t of [...turns].reverse()) gen = Math.max(gen, (await mailbox.accept(t, jobIdFor(t.platform, t.eventId), Date.now())).gen);
    const claim = await mailbox.claim(conversationKey('web', 'c'), gen, 50, { quietMs: 0, voiceQuietMs: 0, maxMs: 10_000 }, Date.now());
    expect(claim.status).toBe('ok');
    if (claim.status !== 'ok') return;
    expect(claim.payloads.map((p) => (JSON.parse(p) as { text: string }).text)).toEqual(turns.map((t) => t.text));
  });

  test('GIVEN a burst still inside its quiet window THEN a claim says when to come back and pins nothing; once quiet, it pins the batch', async () => {
    const mailbox = freshMailbox();
    const burst = { quietMs: 1_500, voiceQuietMs: 700, maxMs: 8_000 };
    const key = conversationKey('web', 'q');
    const t0 = 1_000_000;
    const first = makeTurn({ conversationId: 'q', text: 'one' });
    const { gen } = await mailbox.accept(first, jobIdFor('web', first.eventId), t0);
    expect(await mailbox.claim(key, gen, 50, burst, t0 + 1_000)).toEqual({ status: 'wait', untilMs: t0 + 1_500 });
    // A voice message, newest, shortens the window to the voice one, counted from its arrival.
    const spoken = makeTurn({ conversationId: 'q', text: 'two', modality: 'voice', receivedAt: new Date(Date.now() + 1_000).toISOString() });
    await mailbox.accept(spoken, jobIdFor('web', spoken.eventId), t0 + 1_200);
    expect(await mailbox.claim(key, gen, 50, burst, t0 + 1_600)).toEqual({ status: 'wait', untilMs: t0 + 1_900 });
    const ready = await mailbox.claim(key, gen, 50, burst, t0 + 1_900);
    expect(ready.status).toBe('ok');
    if (ready.status !== 'ok') return;
    expect(ready.payloads.map((p) => (JSON.parse(p) as { text: string }).text)).toEqual(['one', 'two']);
    // Pinned: a message arriving now is left for the next turn, and a retry answers the same two at once.
    const late = makeTurn({ conversationId: 'q', text: 'three', receivedAt: new Date(Date.now() + 2_000).toISOString() });
    await mailbox.accept(late, jobIdFor('web', late.eventId), t0 + 1_950);
    const retried = await mailbox.claim(key, gen, 50, burst, t0 + 1_960);
    expect(retried.status === 'ok' && retried.keys).toEqual(ready.keys);
    const next = await mailbox.complete(key, gen, ready.keys, t0 + 2_000);
    expect(next).toBeGreaterThan(gen);
    expect(await mailbox.claim(key, next, 50, burst, t0 + 2_100)).toEqual({ status: 'wait', untilMs: t0 + 1_950 + 1_500 });
  });

  test('GIVEN a burst that never goes quiet THEN it is answered once its maximum length has passed', async () => {
    const mailbox = freshMailbox();
    const burst = { quietMs: 1_500, voiceQuietMs: 700, maxMs: 3_000 };
    const t0 = 2_000_000;
    let gen = 0;
    for (let i = 0; i < 4; i++) {
      const t = makeTurn({ conversationId: 'long', text: `m${i}`, receivedAt: new Date(Date.now() + i).toISOString() });
      gen = (await mailbox.accept(t, jobIdFor('web', t.eventId), t0 + i * 1_000)).gen;
    }
    // Quiet until t0 + 4,500, but the burst began at t0: it is due at t0 + 3,000.
    expect(await mailbox.claim(conversationKey('web', 'long'), gen, 50, burst, t0 + 2_999)).toEqual({ status: 'wait', untilMs: t0 + 3_000 });
    const due = await mailbox.claim(conversationKey('web', 'long'), gen, 50, burst, t0 + 3_000);
    expect(due.status === 'ok' && due.keys.length).toBe(4);
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
