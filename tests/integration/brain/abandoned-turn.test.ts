// A conversation whose turn job failed for good (it stalled past its limit: its process kept dying) is not
// stuck behind it: the next message frees it, or, if the person does not write again, the brain's sweep of
// failed jobs does; the lost turn's message goes to the dead-letter queue and the person hears the apology
// (real Redis, PGlite, fake OpenAI server).
import { Redis } from 'ioredis';
import { afterEach, describe, expect, test } from 'vitest';
import { ConversationMailbox, conversationKey, turnJobId } from '../../../brain/conversation-mailbox.ts';
import { TURN_FAILED_TEXT } from '../../../brain/turn-runner.ts';
import { TurnScheduler } from '../../../brain/turn-scheduler.ts';
import { INBOUND_QUEUE, TURNS_QUEUE, jobIdFor, type InboundTurn } from '../../../mesh/index.ts';
import { startFakeOpenAi } from '../../fakes/llm/index.ts';
import { ManualJobs } from '../../helpers/manual-jobs.ts';
import { InboundProducer, OutboundCollector, REDIS_URL, deadLettersOf, dropPrefix, eventually, makeTurn, startTestBrain, testConfig, testPrefix } from '../../helpers/mesh-harness.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/**
 * The state a crashing turn leaves: `lost` accepted, its turn job taken (and, with `pinned`, its batch pinned),
 * then the job failed for good (BullMQ's stalled-job limit) without the conversation being freed.
 */
async function crashedTurn(prefix: string, lost: InboundTurn, pinned: boolean): Promise<void> {
  const redis = new Redis(REDIS_URL);
  const turns = new ManualJobs(prefix, TURNS_QUEUE);
  const scheduler = new TurnScheduler(redis, prefix);
  try {
    const mailbox = new ConversationMailbox(redis, prefix, 600);
    expect(await mailbox.accept(lost, jobIdFor('web', lost.eventId), Date.now())).toEqual({ accepted: true, gen: 1 });
    await scheduler.schedule('web', 'c1', 1, 0);
    const job = await turns.takeNext(turnJobId(conversationKey('web', 'c1'), 1));
    if (pinned) expect((await mailbox.claim(conversationKey('web', 'c1'), 1, 50, { quietMs: 0, voiceQuietMs: 0, maxMs: 1_000 }, Date.now())).status).toBe('ok');
    await turns.failForGood(job);
  } finally {
    await Promise.allSettled([turns.close(), scheduler.close()]);
    await redis.quit();
  }
}

async function brainWithModel(prefix: string, stalledIntervalMs?: number) {
  const model = await startFakeOpenAi();
  cleanups.push(() => model.close());
  const brain = await startTestBrain(testConfig(prefix, {
    brain: { burst: { quietMs: 0, voiceQuietMs: 0, maxMs: 8_000 }, ...(stalledIntervalMs ? { stalledIntervalMs } : {}) },
    llm: { provider: 'openai', openai: { baseUrl: `${model.url}/v1`, apiKey: 'test-key', model: 'fake' } },
  }));
  const producer = new InboundProducer(prefix);
  const collector = new OutboundCollector(prefix, 'web');
  cleanups.push(() => brain.close(), () => producer.close(), () => collector.close());
  return { model, brain, producer, collector };
}

async function abandonedTurnsCounted(brain: Awaited<ReturnType<typeof startTestBrain>>): Promise<number | undefined> {
  return (await brain.metrics.registry.getSingleMetric('helix_turns_total')!.get()).values.find((v) => v.labels.outcome === 'abandoned')?.value;
}

describe('a turn abandoned by its job', () => {
  test('GIVEN a conversation whose live turn job failed for good with its message pinned WHEN the person writes again THEN the old message is dead-lettered with an apology and the new one is answered', async () => {
    const prefix = testPrefix();
    cleanups.push(() => dropPrefix(prefix));
    const lost = makeTurn({ text: 'the one that crashed' });
    await crashedTurn(prefix, lost, true);
    // The test config's stalled interval (5 s) keeps the sweep away: the new message frees the conversation.
    const { model, brain, producer, collector } = await brainWithModel(prefix);

    const next = makeTurn({ text: 'are you there?' });
    await producer.send(next);
    const [apology, answer] = await collector.waitForFinals(2);
    expect(apology).toMatchObject({ inReplyTo: lost.eventId, parts: [TURN_FAILED_TEXT] });
    expect(answer!.inReplyTo).toBe(next.eventId);
    // Only the new message reached the model: the lost one is not retried behind the person's back.
    expect(model.requests).toHaveLength(1);
    expect((model.requests[0]!.body.messages as Array<{ content: string }>).at(-1)!.content).toBe('are you there?');
    await eventually(async () => (await deadLettersOf(prefix)).length > 0, 5_000, 'the dead letter');
    const [entry] = await deadLettersOf(prefix);
    expect(entry).toMatchObject({ queue: TURNS_QUEUE, jobId: jobIdFor('web', lost.eventId), code: 'turn_abandoned', payload: { text: 'the one that crashed' } });
    expect(await abandonedTurnsCounted(brain)).toBe(1);
  });

  test('GIVEN a live turn job failed for good with its message pinned WHEN the person does not write again THEN within a stalled interval the message is dead-lettered and the person hears the apology', async () => {
    const prefix = testPrefix();
    cleanups.push(() => dropPrefix(prefix));
    const lost = makeTurn({ text: 'the one that crashed' });
    await crashedTurn(prefix, lost, true);
    // Failed jobs the sweep cannot read (an invalid payload intake refused) are passed over.
    const intake = new ManualJobs(prefix, INBOUND_QUEUE);
    cleanups.push(() => intake.close());
    await intake.failForGood(await intake.take({ nonsense: true }, 'junk-1'), 'payload_invalid: not a turn');
    const { model, brain, producer, collector } = await brainWithModel(prefix, 500);

    const [apology] = await collector.waitForFinals(1);
    expect(apology).toMatchObject({ inReplyTo: lost.eventId, parts: [TURN_FAILED_TEXT] });
    await eventually(async () => (await deadLettersOf(prefix)).length > 0, 5_000, 'the dead letter');
    expect(await deadLettersOf(prefix)).toMatchObject([{ queue: TURNS_QUEUE, jobId: jobIdFor('web', lost.eventId), code: 'turn_abandoned' }]);
    expect(await abandonedTurnsCounted(brain)).toBe(1);
    expect(model.requests).toHaveLength(0);
    // Freed: the person's next message is answered as usual, with no second apology.
    const next = makeTurn({ text: 'hello again' });
    await producer.send(next);
    const [, answer] = await collector.waitForFinals(2);
    expect(answer!.inReplyTo).toBe(next.eventId);
    expect(answer!.parts).not.toEqual([TURN_FAILED_TEXT]);
  });

  test('GIVEN a live turn job failed for good before taking its message WHEN the person does not write again THEN the sweep schedules the turn again and the message is answered', async () => {
    const prefix = testPrefix();
    cleanups.push(() => dropPrefix(prefix));
    const waiting = makeTurn({ text: 'still waiting for you' });
    await crashedTurn(prefix, waiting, false);
    const { model, brain, collector } = await brainWithModel(prefix, 500);

    const [answer] = await collector.waitForFinals(1);
    expect(answer!.inReplyTo).toBe(waiting.eventId);
    expect(answer!.parts).not.toEqual([TURN_FAILED_TEXT]);
    expect((model.requests[0]!.body.messages as Array<{ content: string }>).at(-1)!.content).toBe('still waiting for you');
    expect(await deadLettersOf(prefix)).toEqual([]);
    expect(await abandonedTurnsCounted(brain)).toBeUndefined();
  });
});
