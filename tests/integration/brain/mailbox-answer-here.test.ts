// The mailbox's rules for a turn that intake answers itself (real Redis): an idle conversation's first message
// may be pinned and answered at once; while it is, nobody adds a turn job for it; if its intake dies, the same
// event arriving again hands the turn to the turn worker.
import { Redis } from 'ioredis';
import { afterEach, describe, expect, test } from 'vitest';
import { ConversationMailbox, conversationKey } from '../../../brain/conversation-mailbox.ts';
import { jobIdFor, type InboundTurn } from '../../../mesh/index.ts';
import { REDIS_URL, dropPrefix, makeTurn, testPrefix } from '../../helpers/mesh-harness.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const NO_WAIT = { quietMs: 0, voiceQuietMs: 0, maxMs: 10_000 };
const key = conversationKey('web', 'c1');

function freshMailbox(): ConversationMailbox {
  const prefix = testPrefix();
  const redis = new Redis(REDIS_URL);
  cleanups.push(() => dropPrefix(prefix), () => redis.quit());
  return new ConversationMailbox(redis, prefix, 600);
}

const accept = (mailbox: ConversationMailbox, turn: InboundTurn, answerHereMax = 0) => mailbox.accept(turn, jobIdFor(turn.platform, turn.eventId), Date.now(), answerHereMax);
const texts = (payloads: readonly string[]) => payloads.map((p) => (JSON.parse(p) as { text: string }).text);

describe('a turn answered at intake', () => {
  test('GIVEN an idle conversation and an offer to answer here THEN the message is pinned as the batch at once, and a claim for its generation returns the same batch', async () => {
    const mailbox = freshMailbox();
    const first = makeTurn({ text: 'one' });
    const result = await accept(mailbox, first, 50);
    expect(result).toMatchObject({ accepted: true, gen: 1 });
    expect(result.answerHere?.keys).toEqual([jobIdFor('web', first.eventId)]);
    expect(texts(result.answerHere!.payloads)).toEqual(['one']);
    // A turn job for the generation (after a takeover) answers the pinned batch, nothing newer.
    await accept(mailbox, makeTurn({ text: 'two' }));
    const claim = await mailbox.claim(key, 1, 50, NO_WAIT, Date.now());
    expect(claim.status === 'ok' && texts(claim.payloads)).toEqual(['one']);
  });

  test('GIVEN no offer, or a conversation already answering a turn THEN nothing is pinned at accept', async () => {
    const mailbox = freshMailbox();
    expect((await accept(mailbox, makeTurn({ text: 'one' }), 0)).answerHere).toBeUndefined();
    // The conversation is busy now (generation 1 is live, answered by the turn worker): an offer changes nothing.
    const busy = await accept(mailbox, makeTurn({ text: 'two' }), 50);
    expect(busy).toEqual({ accepted: true, gen: 1 });
  });

  test('GIVEN a conversation answered at intake THEN a new message is flagged as answered elsewhere, and completing the turn hands back the next generation with it', async () => {
    const mailbox = freshMailbox();
    const first = makeTurn({ text: 'one' });
    const { answerHere } = await accept(mailbox, first, 50);
    const second = await accept(mailbox, makeTurn({ text: 'two' }), 50);
    expect(second).toEqual({ accepted: true, gen: 1, answeredElsewhere: true });
    const next = await mailbox.complete(key, 1, answerHere!.keys, Date.now());
    expect(next).toBe(2);
    const claim = await mailbox.claim(key, 2, 50, NO_WAIT, Date.now());
    expect(claim.status === 'ok' && texts(claim.payloads)).toEqual(['two']);
    // The mark went with the turn: the next message follows the ordinary rules.
    expect(await accept(mailbox, makeTurn({ text: 'three' }), 50)).toEqual({ accepted: true, gen: 2 });
  });

  test('GIVEN the answering intake died WHEN its event arrives again THEN the turn worker takes the turn over: the live generation is returned for a turn job, with its batch still pinned', async () => {
    const mailbox = freshMailbox();
    const first = makeTurn({ text: 'one' });
    await accept(mailbox, first, 50);
    const again = await accept(mailbox, first, 50);
    expect(again).toEqual({ accepted: false, gen: 1 });
    const claim = await mailbox.claim(key, 1, 50, NO_WAIT, Date.now());
    expect(claim.status === 'ok' && texts(claim.payloads)).toEqual(['one']);
    // Taken over: later messages no longer wait for an intake that is gone.
    expect(await accept(mailbox, makeTurn({ text: 'two' }), 50)).toEqual({ accepted: true, gen: 1 });
  });
});
