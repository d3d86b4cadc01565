// A conversation whose turn job failed for good (it stalled past its limit: its process kept dying) is not
// stuck behind it: the next message frees it, the lost turn's message goes to the dead-letter queue and the
// person hears the apology, then the new message is answered (real Redis, PGlite, fake OpenAI server).
import { Redis } from 'ioredis';
import { afterEach, describe, expect, test } from 'vitest';
import { ConversationMailbox, conversationKey, turnJobId } from '../../../brain/conversation-mailbox.ts';
import { TURN_FAILED_TEXT } from '../../../brain/turn-runner.ts';
import { TurnScheduler } from '../../../brain/turn-scheduler.ts';
import { TURNS_QUEUE, jobIdFor } from '../../../mesh/index.ts';
import { startFakeOpenAi } from '../../fakes/llm/index.ts';
import { ManualJobs } from '../../helpers/manual-jobs.ts';
import { InboundProducer, OutboundCollector, REDIS_URL, deadLettersOf, dropPrefix, eventually, makeTurn, startTestBrain, testConfig, testPrefix } from '../../helpers/mesh-harness.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

describe('a turn abandoned by its job', () => {
  test('GIVEN a conversation whose live turn job failed for good with its message pinned WHEN the person writes again THEN the old message is dead-lettered with an apology and the new one is answered', async () => {
    const prefix = testPrefix();
    const redis = new Redis(REDIS_URL);
    const turns = new ManualJobs(prefix, TURNS_QUEUE);
    const scheduler = new TurnScheduler(redis, prefix);
    cleanups.push(() => dropPrefix(prefix), () => redis.quit(), () => turns.close(), () => scheduler.close());
    // The state a crashing turn leaves: accepted, its turn job taken and its batch pinned, then the job failed
    // for good (BullMQ's stalled-job limit) without the conversation being freed.
    const mailbox = new ConversationMailbox(redis, prefix, 600);
    const lost = makeTurn({ text: 'the one that crashed' });
    expect(await mailbox.accept(lost, jobIdFor('web', lost.eventId), Date.now())).toEqual({ accepted: true, gen: 1 });
    await scheduler.schedule('web', 'c1', 1, 0);
    const job = await turns.takeNext(turnJobId(conversationKey('web', 'c1'), 1));
    expect((await mailbox.claim(conversationKey('web', 'c1'), 1, 50, { quietMs: 0, voiceQuietMs: 0, maxMs: 1_000 }, Date.now())).status).toBe('ok');
    await turns.failForGood(job);

    const model = await startFakeOpenAi();
    cleanups.push(() => model.close());
    const brain = await startTestBrain(testConfig(prefix, {
      brain: { burst: { quietMs: 0, voiceQuietMs: 0, maxMs: 8_000 } },
      llm: { provider: 'openai', openai: { baseUrl: `${model.url}/v1`, apiKey: 'test-key', model: 'fake' } },
    }));
    const producer = new InboundProducer(prefix);
    const collector = new OutboundCollector(prefix, 'web');
    cleanups.push(() => brain.close(), () => producer.close(), () => collector.close());

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
    const abandoned = (await brain.metrics.registry.getSingleMetric('helix_turns_total')!.get()).values.find((v) => v.labels.outcome === 'abandoned');
    expect(abandoned?.value).toBe(1);
  });
});
