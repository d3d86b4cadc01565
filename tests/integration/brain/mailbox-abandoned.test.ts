// A conversation whose live turn nobody will ever answer (its job failed for good: it stalled past its limit,
// or ran out of attempts on Redis errors) is freed by the next message instead of waiting forever (real Redis;
// the jobs are real BullMQ jobs, taken and failed by hand).
import { Redis } from 'ioredis';
import { afterEach, describe, expect, test } from 'vitest';
import { ConversationMailbox, conversationKey, turnJobId, type AcceptResult } from '../../../brain/conversation-mailbox.ts';
import { TurnScheduler } from '../../../brain/turn-scheduler.ts';
import { INBOUND_QUEUE, TURNS_QUEUE, jobIdFor, type InboundTurn } from '../../../mesh/index.ts';
import { ManualJobs } from '../../helpers/manual-jobs.ts';
import { REDIS_URL, dropPrefix, makeTurn, testPrefix } from '../../helpers/mesh-harness.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const NO_WAIT = { quietMs: 0, voiceQuietMs: 0, maxMs: 10_000 };
const key = conversationKey('web', 'c1');
const texts = (payloads: readonly string[]) => payloads.map((p) => (JSON.parse(p) as { text: string }).text);

function setup() {
  const prefix = testPrefix();
  const redis = new Redis(REDIS_URL);
  const mailbox = new ConversationMailbox(redis, prefix, 600);
  const scheduler = new TurnScheduler(redis, prefix);
  const intake = new ManualJobs(prefix, INBOUND_QUEUE);
  const turns = new ManualJobs(prefix, TURNS_QUEUE);
  cleanups.push(() => dropPrefix(prefix), () => redis.quit(), () => scheduler.close(), () => intake.close(), () => turns.close());
  const eventKey = (turn: InboundTurn) => jobIdFor(turn.platform, turn.eventId);
  return {
    mailbox,
    intake,
    turns,
    /** Accepts a message as an intake job that does not answer it itself. */
    accept: (turn: InboundTurn): Promise<AcceptResult> => mailbox.accept(turn, eventKey(turn), Date.now()),
    /** Accepts a message as intake's (real, active) job does when it offers to answer an idle conversation. */
    acceptOffering: async (turn: InboundTurn) => {
      const job = await intake.take(turn, eventKey(turn));
      const result = await mailbox.accept(turn, eventKey(turn), Date.now(), { answerHere: { maxBatch: 50, backlog: `${prefix}:inbound:wait`, slotFree: true }, jobId: job.id! });
      return { job, result };
    },
    /** Adds generation `gen`'s turn job as intake does and takes it as the turn worker does. */
    takeTurnJob: async (gen: number, delayMs = 0) => {
      await scheduler.schedule('web', 'c1', gen, delayMs);
      return delayMs > 0 ? undefined : turns.takeNext(turnJobId(key, gen));
    },
  };
}

describe('an abandoned turn', () => {
  test('GIVEN the live turn job failed for good after pinning its batch WHEN a new message arrives THEN accept hands back the pinned batch as abandoned, and completing it schedules a generation with the new message', async () => {
    const { mailbox, turns, accept, takeTurnJob } = setup();
    const one = makeTurn({ text: 'one' });
    expect(await accept(one)).toEqual({ accepted: true, gen: 1 });
    const job = await takeTurnJob(1);
    const claim = await mailbox.claim(key, 1, 50, NO_WAIT, Date.now());
    expect(claim.status).toBe('ok');
    await turns.failForGood(job!);

    const result = await accept(makeTurn({ text: 'two' }));
    expect(result).toMatchObject({ accepted: true, gen: 1 });
    expect(result.abandoned?.keys).toEqual([jobIdFor('web', one.eventId)]);
    expect(texts(result.abandoned!.payloads)).toEqual(['one']);
    // Until the caller completes it, the same answer comes back (a crash in between is repeated, not lost).
    expect((await accept(makeTurn({ text: 'three' }))).abandoned?.keys).toEqual(result.abandoned!.keys);

    expect(await mailbox.complete(key, 1, result.abandoned!.keys, Date.now())).toBe(2);
    const next = await mailbox.claim(key, 2, 50, NO_WAIT, Date.now());
    expect(next.status === 'ok' && texts(next.payloads)).toEqual(['two', 'three']);
  });

  test('GIVEN the live turn job failed for good before pinning anything THEN the next message opens a new generation that answers every waiting message, old and new', async () => {
    const { mailbox, turns, accept, takeTurnJob } = setup();
    await accept(makeTurn({ text: 'one' }));
    await turns.failForGood((await takeTurnJob(1))!);

    expect(await accept(makeTurn({ text: 'two' }))).toEqual({ accepted: true, gen: 2 });
    expect(await mailbox.claim(key, 1, 50, NO_WAIT, Date.now())).toEqual({ status: 'stale' });
    const claim = await mailbox.claim(key, 2, 50, NO_WAIT, Date.now());
    expect(claim.status === 'ok' && texts(claim.payloads)).toEqual(['one', 'two']);
  });

  test('GIVEN the live turn job waiting, running, or failed with attempts left (retrying) THEN nothing is abandoned', async () => {
    const { turns, accept, takeTurnJob } = setup();
    await accept(makeTurn({ text: 'one' }));
    const job = (await takeTurnJob(1))!;
    expect(await accept(makeTurn({ text: 'running' }))).toEqual({ accepted: true, gen: 1 });
    await turns.fail(job);
    expect(await turns.state(job.id!)).toBe('delayed');
    expect(await accept(makeTurn({ text: 'retrying' }))).toEqual({ accepted: true, gen: 1 });
  });

  test('GIVEN the intake job answering the turn itself failed for good THEN the next message finds its pinned batch abandoned', async () => {
    const { intake, acceptOffering } = setup();
    const { job, result } = await acceptOffering(makeTurn({ text: 'one' }));
    expect(result.answerHere).toBeDefined();
    // While that job is alive, a new message waits for its turn.
    const waiting = await acceptOffering(makeTurn({ text: 'two' }));
    expect(waiting.result).toMatchObject({ gen: 1, answeredElsewhere: true });
    await intake.failForGood(job);

    const after = await acceptOffering(makeTurn({ text: 'three' }));
    expect(after.result.abandoned && texts(after.result.abandoned.payloads)).toEqual(['one']);
  });

  test('GIVEN the intake job answering the turn itself is gone but a turn job took the turn over THEN nothing is abandoned until that turn job fails for good', async () => {
    const { intake, turns, acceptOffering, takeTurnJob } = setup();
    const { job } = await acceptOffering(makeTurn({ text: 'one' }));
    // The turn failed at intake: it scheduled the turn worker's retry and its own job ended.
    await takeTurnJob(1, 60_000);
    await intake.failForGood(job);
    await intake.queue.remove(job.id!);

    const during = await acceptOffering(makeTurn({ text: 'two' }));
    expect(during.result).toMatchObject({ gen: 1, answeredElsewhere: true });
    const delayed = await turns.queue.getJob(turnJobId(key, 1));
    await delayed!.promote();
    await turns.failForGood(await turns.takeNext(turnJobId(key, 1)));
    const after = await acceptOffering(makeTurn({ text: 'three' }));
    expect(after.result.abandoned && texts(after.result.abandoned.payloads)).toEqual(['one']);
  });
});

describe('reclaiming a conversation from a job that failed for good (no new message)', () => {
  test('GIVEN the turn job failed for good with its batch pinned THEN reclaim hands the batch back as abandoned, until it is completed', async () => {
    const { mailbox, turns, accept, takeTurnJob } = setup();
    const one = makeTurn({ text: 'one' });
    await accept(one);
    const job = (await takeTurnJob(1))!;
    expect((await mailbox.claim(key, 1, 50, NO_WAIT, Date.now())).status).toBe('ok');
    // Running: someone still answers it.
    expect(await mailbox.reclaim(key, { gen: 1 }, Date.now())).toEqual({ status: 'alive' });
    await turns.failForGood(job);

    const result = await mailbox.reclaim(key, { gen: 1 }, Date.now());
    expect(result.status === 'abandoned' && { gen: result.gen, keys: result.batch.keys, texts: texts(result.batch.payloads) }).toEqual({ gen: 1, keys: [jobIdFor('web', one.eventId)], texts: ['one'] });
    // Asked again before the caller completed it (a crash in between, or another brain's sweep): the same answer.
    expect((await mailbox.reclaim(key, { gen: 1 }, Date.now())).status).toBe('abandoned');
    expect(await mailbox.complete(key, 1, [jobIdFor('web', one.eventId)], Date.now())).toBe(0);
    expect(await mailbox.reclaim(key, { gen: 1 }, Date.now())).toEqual({ status: 'idle' });
  });

  test('GIVEN the turn job failed for good before pinning anything THEN reclaim opens a new generation that answers the waiting messages', async () => {
    const { mailbox, turns, accept, takeTurnJob } = setup();
    await accept(makeTurn({ text: 'one' }));
    await turns.failForGood((await takeTurnJob(1))!);

    expect(await mailbox.reclaim(key, { gen: 1 }, Date.now())).toEqual({ status: 'reopened', gen: 2 });
    // Asked again before generation 2's turn job exists (the sweep's add failed): the same answer, no third generation.
    expect(await mailbox.reclaim(key, { gen: 1 }, Date.now())).toEqual({ status: 'reopened', gen: 2 });
    await takeTurnJob(2, 60_000);
    // Once it exists, the old job's generation is over: asking about it again changes nothing.
    expect(await mailbox.reclaim(key, { gen: 1 }, Date.now())).toEqual({ status: 'stale' });
    expect(await mailbox.claim(key, 1, 50, NO_WAIT, Date.now())).toEqual({ status: 'stale' });
    const claim = await mailbox.claim(key, 2, 50, NO_WAIT, Date.now());
    expect(claim.status === 'ok' && texts(claim.payloads)).toEqual(['one']);
  });

  test('GIVEN a turn job failed with attempts left (retrying) THEN reclaim leaves its generation alone', async () => {
    const { mailbox, turns, accept, takeTurnJob } = setup();
    await accept(makeTurn({ text: 'one' }));
    const job = (await takeTurnJob(1))!;
    await turns.fail(job);
    expect(await mailbox.reclaim(key, { gen: 1 }, Date.now())).toEqual({ status: 'alive' });
    const claim = await mailbox.claim(key, 1, 50, NO_WAIT, Date.now());
    expect(claim.status === 'ok' && texts(claim.payloads)).toEqual(['one']);
  });

  test('GIVEN the intake job answering the turn itself failed for good THEN reclaim by that job finds its batch abandoned, and by any other job does nothing', async () => {
    const { mailbox, intake, acceptOffering } = setup();
    const { job } = await acceptOffering(makeTurn({ text: 'one' }));
    expect(await mailbox.reclaim(key, { hereJob: job.id! }, Date.now())).toEqual({ status: 'alive' });
    await intake.failForGood(job);

    expect(await mailbox.reclaim(key, { hereJob: 'some-other-job' }, Date.now())).toEqual({ status: 'stale' });
    const result = await mailbox.reclaim(key, { hereJob: job.id! }, Date.now());
    expect(result.status === 'abandoned' && texts(result.batch.payloads)).toEqual(['one']);
  });
});
