// A message that opens an idle conversation with no quiet window to wait is answered by intake itself, with
// no hop through the turn queue; everything else still goes through the turn worker (real Redis, PGlite).
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, test } from 'vitest';
import { TURNS_QUEUE } from '../../../mesh/index.ts';
import { startFakeOpenAi, type FakeOpenAi } from '../../fakes/llm/index.ts';
import { InboundProducer, OutboundCollector, REDIS_URL, dropPrefix, eventually, makeTurn, startTestBrain, testConfig, testPrefix, turnsDone } from '../../helpers/mesh-harness.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function setup(opts: { quietMs?: number; voiceQuietMs?: number; concurrency?: number } = {}) {
  const prefix = testPrefix();
  const model = await startFakeOpenAi();
  cleanups.push(() => model.close());
  const config = testConfig(prefix, {
    brain: { burst: { quietMs: opts.quietMs ?? 0, voiceQuietMs: opts.voiceQuietMs ?? 0, maxMs: 8_000 }, concurrency: opts.concurrency ?? 8 },
    llm: { provider: 'openai', openai: { baseUrl: `${model.url}/v1`, apiKey: 'test-key', model: 'fake' }, maxConcurrency: 16 },
  });
  const brain = await startTestBrain(config);
  const producer = new InboundProducer(prefix);
  const collector = new OutboundCollector(prefix, 'web');
  const turnJobs = new Queue(TURNS_QUEUE, { connection: new Redis(REDIS_URL), prefix });
  cleanups.push(() => dropPrefix(prefix), () => brain.close(), () => producer.close(), () => collector.close(), () => turnJobs.close());
  /** Turn jobs ever made (completed ones are kept for an hour). */
  const turnJobCount = async () => Object.values(await turnJobs.getJobCounts('completed', 'active', 'wait', 'delayed', 'failed', 'prioritized')).reduce((a, b) => a + b, 0);
  return { model, brain, producer, collector, turnJobCount };
}

const lastUserText = (model: FakeOpenAi, i: number) => (model.requests[i]!.body.messages as Array<{ content: string }>).at(-1)!.content;

describe('turns answered at intake', () => {
  test('GIVEN an idle conversation and no quiet window THEN its message is answered with one reply and no turn job', async () => {
    const { producer, collector, model, turnJobCount } = await setup();
    const turn = makeTurn({ text: 'straight through' });
    await producer.send(turn);
    const [reply] = await collector.waitForFinals(1);
    expect(reply!.inReplyTo).toBe(turn.eventId);
    expect(model.requests).toHaveLength(1);
    expect(await turnJobCount()).toBe(0);
  });

  test('GIVEN a quiet window for text but none for voice THEN a spoken message is answered at intake and a typed one by the turn worker', async () => {
    const { producer, collector, turnJobCount } = await setup({ quietMs: 200, voiceQuietMs: 0 });
    await producer.send(makeTurn({ conversationId: 'spoken', modality: 'voice', text: 'said aloud' }));
    await collector.waitForFinals(1);
    expect(await turnJobCount()).toBe(0);
    await producer.send(makeTurn({ conversationId: 'typed', text: 'typed' }));
    await collector.waitForFinals(2);
    expect(await turnJobCount()).toBe(1);
  });

  test('GIVEN messages arriving while intake answers their conversation THEN they are answered after it, in order, never two model calls at once', async () => {
    const { producer, collector, model, brain } = await setup();
    model.setDelay(300);
    const first = makeTurn({ text: 'first' });
    await producer.send(first);
    await eventually(() => model.requests.length === 1, 5_000, 'the first model call');
    await producer.send(makeTurn({ text: 'second' }));
    await producer.send(makeTurn({ text: 'third' }));
    const finals = await collector.waitForFinals(2);
    expect(finals[0]!.inReplyTo).toBe(first.eventId);
    expect(lastUserText(model, 0)).toBe('first');
    // The two that came in meanwhile were waiting together when the first turn ended: one turn answers both.
    expect(lastUserText(model, 1)).toBe('second\nthird');
    expect(model.maxConcurrent).toBe(1);
    await eventually(async () => (await turnsDone(brain)) === 2, 5_000, 'both turns taken in');
  });

  test('GIVEN the model fails the turn answered at intake THEN the turn worker retries it and exactly one reply is sent', async () => {
    const { producer, collector, model, turnJobCount } = await setup();
    model.failNext(1, 500);
    const turn = makeTurn({ text: 'try again' });
    await producer.send(turn);
    const [reply] = await collector.waitForFinals(1, 15_000);
    expect(reply!.inReplyTo).toBe(turn.eventId);
    expect(reply!.parts.join('')).toContain('try again');
    expect(model.requests).toHaveLength(2);
    expect(await turnJobCount()).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(collector.finals).toHaveLength(1);
  });

  test('GIVEN every turn slot busy THEN a new conversation waits for the turn worker instead of running beyond the brain’s concurrency', async () => {
    const { producer, collector, model, turnJobCount } = await setup({ concurrency: 1 });
    model.setDelay(300);
    await producer.send(makeTurn({ conversationId: 'a' }));
    await eventually(() => model.requests.length === 1, 5_000, 'the first model call');
    await producer.send(makeTurn({ conversationId: 'b' }));
    await collector.waitForFinals(2);
    expect(model.maxConcurrent).toBe(1);
    expect(await turnJobCount()).toBe(1);
  });

  test('GIVEN every turn slot busy and a conversation in step with Helix THEN intake waits for the slot and answers it itself: no turn job, never beyond the brain’s concurrency', async () => {
    const { producer, collector, model, turnJobCount } = await setup({ concurrency: 1 });
    await producer.send(makeTurn({ conversationId: 'a', text: 'a1' }));
    await collector.waitForFinals(1);
    model.setDelay(300);
    await producer.send(makeTurn({ conversationId: 'b', text: 'b1' }));
    await eventually(() => model.requests.length === 2, 5_000, 'b’s model call');
    // a's reply went out before this message: the person answers Helix, and waits for nobody else's messages.
    const a2 = makeTurn({ conversationId: 'a', text: 'a2' });
    await producer.send(a2);
    const finals = await collector.waitForFinals(3);
    expect(finals[2]!.inReplyTo).toBe(a2.eventId);
    expect(model.maxConcurrent).toBe(1);
    expect(await turnJobCount()).toBe(0);
  });
});
