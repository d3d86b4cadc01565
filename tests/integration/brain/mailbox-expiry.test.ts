// A conversation's mailbox hash does not stay in Redis for good: once the conversation is idle it expires, and a
// conversation that comes back after that never reuses the id of a turn job BullMQ still keeps (real Redis; the
// kept jobs are real BullMQ jobs, failed by hand).
import { Redis } from 'ioredis';
import { afterEach, describe, expect, test } from 'vitest';
import { ConversationMailbox, MAILBOX_IDLE_TTL_SEC, conversationKey, turnJobId } from '../../../brain/conversation-mailbox.ts';
import { TurnScheduler } from '../../../brain/turn-scheduler.ts';
import { TURNS_QUEUE, jobIdFor, type InboundTurn } from '../../../mesh/index.ts';
import { ManualJobs } from '../../helpers/manual-jobs.ts';
import { REDIS_URL, dropPrefix, makeTurn, testPrefix } from '../../helpers/mesh-harness.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const NO_WAIT = { quietMs: 0, voiceQuietMs: 0, maxMs: 10_000 };
const key = conversationKey('web', 'c1');

function setup() {
  const prefix = testPrefix();
  const redis = new Redis(REDIS_URL);
  const mailbox = new ConversationMailbox(redis, prefix, 600);
  const scheduler = new TurnScheduler(redis, prefix);
  const turns = new ManualJobs(prefix, TURNS_QUEUE);
  cleanups.push(() => dropPrefix(prefix), () => redis.quit(), () => scheduler.close(), () => turns.close());
  const base = `${prefix}:mb:${key}`;
  return {
    redis,
    mailbox,
    scheduler,
    keys: { z: `${base}:z`, h: `${base}:h`, m: `${base}:m` },
    accept: (turn: InboundTurn) => mailbox.accept(turn, jobIdFor(turn.platform, turn.eventId), Date.now()),
    /** A turn job of generation `gen` that failed for good and is still kept, as BullMQ keeps them for days. */
    keptFailedTurn: async (gen: number) => turns.failForGood(await turns.take({ v: 1, platform: 'web', conversationId: 'c1', gen }, turnJobId(key, gen))),
  };
}

/** Answers whatever the live generation holds and frees it; returns the next generation (0: idle). */
async function answer(mailbox: ConversationMailbox, gen: number): Promise<number> {
  const claim = await mailbox.claim(key, gen, 50, NO_WAIT, Date.now());
  if (claim.status !== 'ok') throw new Error(`expected a batch for generation ${gen}, got ${claim.status}`);
  return mailbox.complete(key, gen, claim.keys, Date.now());
}

describe('a mailbox of an idle conversation', () => {
  test('GIVEN its last turn answered THEN its hash expires after MAILBOX_IDLE_TTL_SEC, and a new message makes it persistent again until that turn is answered', async () => {
    const { redis, mailbox, keys, accept } = setup();
    const first = await accept(makeTurn({ text: 'one' }));
    expect(await redis.ttl(keys.m)).toBe(-1);
    expect(await answer(mailbox, first.gen)).toBe(0);

    const ttl = await redis.ttl(keys.m);
    expect(ttl).toBeGreaterThan(MAILBOX_IDLE_TTL_SEC - 10);
    expect(ttl).toBeLessThanOrEqual(MAILBOX_IDLE_TTL_SEC);
    // Nothing else of the conversation is left behind.
    expect(await redis.exists(keys.z, keys.h)).toBe(0);

    const second = await accept(makeTurn({ text: 'two' }));
    expect(second.gen).toBe(first.gen + 1);
    expect(await redis.ttl(keys.m)).toBe(-1);
    expect(await answer(mailbox, second.gen)).toBe(0);
    expect(await redis.ttl(keys.m)).toBeGreaterThan(0);
  });

  test('GIVEN the hash expired while failed turn jobs of generations 1 and 2 are still kept WHEN the person writes again THEN the turn gets generation 3, is scheduled and is answered', async () => {
    const { redis, mailbox, scheduler, keys, accept, keptFailedTurn } = setup();
    const first = await accept(makeTurn({ text: 'one' }));
    expect(await answer(mailbox, first.gen)).toBe(0);
    await keptFailedTurn(1);
    await keptFailedTurn(2);
    // What Redis does when the TTL runs out.
    await redis.del(keys.m);

    const back = await accept(makeTurn({ text: 'back after a long while' }));
    expect(back).toEqual({ accepted: true, gen: 3 });
    await scheduler.schedule('web', 'c1', back.gen, 0);
    expect(await scheduler.queue.getJobState(turnJobId(key, 3))).toBe('waiting');
    const claim = await mailbox.claim(key, back.gen, 50, NO_WAIT, Date.now());
    expect(claim.status === 'ok' && claim.payloads.map((p) => (JSON.parse(p) as { text: string }).text)).toEqual(['back after a long while']);
  });

  test('GIVEN a kept turn job with the id of the generation that follows WHEN a turn completes with messages waiting THEN the next generation skips that id', async () => {
    const { mailbox, accept, keptFailedTurn } = setup();
    const first = await accept(makeTurn({ text: 'one' }));
    const claim = await mailbox.claim(key, first.gen, 50, NO_WAIT, Date.now());
    await accept(makeTurn({ text: 'two' }));
    await keptFailedTurn(first.gen + 1);
    expect(await mailbox.complete(key, first.gen, claim.status === 'ok' ? claim.keys : [], Date.now())).toBe(first.gen + 2);
  });
});
