// The mailbox's rules for a turn that intake answers itself (real Redis): an idle conversation's first message
// may be pinned and answered at once; while it is, nobody adds a turn job for it; if its intake dies, the same
// event arriving again hands the turn to the turn worker. Intake's jobs are real BullMQ jobs, taken by hand.
import { Redis } from 'ioredis';
import { afterEach, describe, expect, test } from 'vitest';
import { ConversationMailbox, conversationKey } from '../../../brain/conversation-mailbox.ts';
import { INBOUND_QUEUE, jobIdFor, type InboundTurn } from '../../../mesh/index.ts';
import { ManualJobs } from '../../helpers/manual-jobs.ts';
import { REDIS_URL, dropPrefix, makeTurn, testPrefix } from '../../helpers/mesh-harness.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const NO_WAIT = { quietMs: 0, voiceQuietMs: 0, maxMs: 10_000 };
const key = conversationKey('web', 'c1');

let redis: Redis;
let backlog: string;
let intake: ManualJobs;

function freshMailbox(): ConversationMailbox {
  const prefix = testPrefix();
  redis = new Redis(REDIS_URL);
  backlog = `${prefix}:inbound:wait`;
  intake = new ManualJobs(prefix, INBOUND_QUEUE);
  const [r, i] = [redis, intake];
  cleanups.push(() => dropPrefix(prefix), () => r.quit(), () => i.close());
  return new ConversationMailbox(redis, prefix, 600);
}

/**
 * Accepts `turn` as intake's job `jobId` does (the job is made and taken first if it does not exist yet),
 * offering to answer it here when `offer` is true (`'no-slot'`: with every turn slot busy); `rerun`: that job ran before.
 */
async function accept(mailbox: ConversationMailbox, turn: InboundTurn, offer: boolean | 'no-slot' = false, rerun = false, jobId = jobIdFor(turn.platform, turn.eventId)) {
  if (!(await intake.queue.getJob(jobId))) await intake.take(turn, jobId);
  const answerHere = { maxBatch: 50, backlog, slotFree: offer === true };
  return mailbox.accept(turn, jobIdFor(turn.platform, turn.eventId), Date.now(), { ...(offer ? { answerHere } : {}), jobId, rerun });
}

/** A message received at `ms` (epoch). */
const receivedAt = (ms: number) => new Date(ms).toISOString();

/** Answers conversation c1's first message at intake, as one turn whose reply went out at `repliedAt`. */
async function answeredOnce(mailbox: ConversationMailbox, repliedAt: number) {
  const { answerHere } = await accept(mailbox, makeTurn({ text: 'one', receivedAt: receivedAt(repliedAt - 50) }), true);
  expect(await mailbox.complete(key, 1, answerHere!.keys, repliedAt, repliedAt)).toBe(0);
}

/** Puts a job of another conversation in intake's waiting list: a backlog. */
async function backlogOfOne() {
  await intake.queue.add('job', makeTurn({ conversationId: 'other' }), { jobId: `job-${Math.random()}` });
  expect(await redis.llen(backlog)).toBeGreaterThan(0);
}
const texts = (payloads: readonly string[]) => payloads.map((p) => (JSON.parse(p) as { text: string }).text);

describe('a turn answered at intake', () => {
  test('GIVEN an idle conversation and an offer to answer here THEN the message is pinned as the batch at once, and a claim for its generation returns the same batch', async () => {
    const mailbox = freshMailbox();
    const first = makeTurn({ text: 'one' });
    const result = await accept(mailbox, first, true);
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
    expect((await accept(mailbox, makeTurn({ text: 'one' }))).answerHere).toBeUndefined();
    // The conversation is busy now (generation 1 is live, answered by the turn worker): an offer changes nothing.
    const busy = await accept(mailbox, makeTurn({ text: 'two' }), true);
    expect(busy).toEqual({ accepted: true, gen: 1 });
  });

  test('GIVEN jobs waiting in the backlog THEN nothing is pinned even for an idle conversation: the turn worker answers it with what queues behind', async () => {
    const mailbox = freshMailbox();
    const turn = makeTurn({ text: 'one' });
    await intake.take(turn, jobIdFor('web', turn.eventId));
    await backlogOfOne();
    expect(await accept(mailbox, turn, true)).toEqual({ accepted: true, gen: 1 });
    const claim = await mailbox.claim(key, 1, 50, NO_WAIT, Date.now());
    expect(claim.status === 'ok' && texts(claim.payloads)).toEqual(['one']);
  });

  test('GIVEN a conversation in step (its message came after the reply to its one last message) THEN it is pinned despite a backlog and no free turn slot: the caller waits for a slot instead of a turn job', async () => {
    const mailbox = freshMailbox();
    const repliedAt = Date.now() - 1_000;
    await answeredOnce(mailbox, repliedAt);
    const two = makeTurn({ text: 'two', receivedAt: receivedAt(repliedAt + 10) });
    await intake.take(two, jobIdFor('web', two.eventId));
    await backlogOfOne();
    const result = await accept(mailbox, two, 'no-slot');
    expect(result).toMatchObject({ accepted: true, gen: 2 });
    expect(texts(result.answerHere!.payloads)).toEqual(['two']);
  });

  test('GIVEN a message received before the reply went out (the person writes ahead of Helix) THEN with a backlog or no free slot it is left to the turn worker', async () => {
    const mailbox = freshMailbox();
    const repliedAt = Date.now() - 1_000;
    await answeredOnce(mailbox, repliedAt);
    expect(await accept(mailbox, makeTurn({ text: 'two', receivedAt: receivedAt(repliedAt - 10) }), 'no-slot')).toEqual({ accepted: true, gen: 2 });
  });

  test('GIVEN the last turn answered several messages THEN the conversation does not count as in step: without a free slot its next message goes to the turn worker', async () => {
    const mailbox = freshMailbox();
    const repliedAt = Date.now() - 1_000;
    await accept(mailbox, makeTurn({ text: 'one', receivedAt: receivedAt(repliedAt - 90) }));
    await accept(mailbox, makeTurn({ text: 'two', receivedAt: receivedAt(repliedAt - 80) }));
    const claim = await mailbox.claim(key, 1, 50, NO_WAIT, Date.now());
    expect(claim.status === 'ok' && texts(claim.payloads)).toEqual(['one', 'two']);
    expect(await mailbox.complete(key, 1, claim.status === 'ok' ? claim.keys : [], repliedAt, repliedAt)).toBe(0);
    expect(await accept(mailbox, makeTurn({ text: 'three', receivedAt: receivedAt(repliedAt + 10) }), 'no-slot')).toEqual({ accepted: true, gen: 2 });
  });

  test('GIVEN a conversation answered at intake THEN a new message is flagged as answered elsewhere, and completing the turn hands back the next generation with it', async () => {
    const mailbox = freshMailbox();
    const first = makeTurn({ text: 'one' });
    const { answerHere } = await accept(mailbox, first, true);
    const second = await accept(mailbox, makeTurn({ text: 'two' }), true);
    expect(second).toEqual({ accepted: true, gen: 1, answeredElsewhere: true });
    const next = await mailbox.complete(key, 1, answerHere!.keys, Date.now());
    expect(next).toBe(2);
    const claim = await mailbox.claim(key, 2, 50, NO_WAIT, Date.now());
    expect(claim.status === 'ok' && texts(claim.payloads)).toEqual(['two']);
    // The mark went with the turn: the next message follows the ordinary rules.
    expect(await accept(mailbox, makeTurn({ text: 'three' }), true)).toEqual({ accepted: true, gen: 2 });
  });

  test('GIVEN the same event in another job while intake answers it THEN it is a duplicate: no takeover, no turn job', async () => {
    const mailbox = freshMailbox();
    const first = makeTurn({ text: 'one' });
    await accept(mailbox, first, true);
    // Redelivered by its producer under another job id, which runs for the first time.
    expect(await accept(mailbox, first, true, false, 'redelivered')).toEqual({ accepted: false, gen: 1, answeredElsewhere: true });
    // Still answered at intake: a new message keeps waiting for that turn to end.
    expect(await accept(mailbox, makeTurn({ text: 'two' }), true)).toEqual({ accepted: true, gen: 1, answeredElsewhere: true });
  });

  test('GIVEN the answering intake died WHEN its job runs again THEN the turn worker takes the turn over: the live generation is returned for a turn job, with its batch still pinned', async () => {
    const mailbox = freshMailbox();
    const first = makeTurn({ text: 'one' });
    await accept(mailbox, first, true);
    const again = await accept(mailbox, first, true, true);
    expect(again).toEqual({ accepted: false, gen: 1 });
    const claim = await mailbox.claim(key, 1, 50, NO_WAIT, Date.now());
    expect(claim.status === 'ok' && texts(claim.payloads)).toEqual(['one']);
    // Taken over: later messages no longer wait for an intake that is gone.
    expect(await accept(mailbox, makeTurn({ text: 'two' }), true)).toEqual({ accepted: true, gen: 1 });
  });
});
