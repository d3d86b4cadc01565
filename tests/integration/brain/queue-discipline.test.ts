import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, test } from 'vitest';
import { INBOUND_QUEUE, jobIdFor, monotonicNow, type InboundTurn } from '../../../mesh/index.ts';
import { startFakeOpenAi, type FakeOpenAi } from '../../fakes/llm/index.ts';
import {
  InboundProducer, OutboundCollector, REDIS_URL, deadLettersOf, dropPrefix, eventually, makeTurn, startTestBrain, testConfig, testPrefix,
} from '../../helpers/mesh-harness.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function setup(opts: { quietMs?: number; maxMs?: number; model?: FakeOpenAi; concurrency?: number } = {}) {
  const prefix = testPrefix();
  const model = opts.model ?? (await startFakeOpenAi());
  if (!opts.model) cleanups.push(() => model.close());
  const config = testConfig(prefix, {
    brain: { burst: { quietMs: opts.quietMs ?? 0, maxMs: opts.maxMs ?? 8_000 }, concurrency: opts.concurrency ?? 8 },
    llm: { provider: 'openai', openai: { baseUrl: `${model.url}/v1`, apiKey: 'test-key', model: 'fake' }, maxConcurrency: 16 },
  });
  const brain = await startTestBrain(config);
  const producer = new InboundProducer(prefix);
  const collector = new OutboundCollector(prefix, 'web');
  cleanups.push(() => dropPrefix(prefix), () => brain.close(), () => producer.close(), () => collector.close());
  return { prefix, model, brain, producer, collector };
}

/** The user text of the last message of each model request. */
function lastUserTexts(model: FakeOpenAi): string[] {
  return model.requests.map((r) => {
    const msgs = r.body.messages as Array<{ role: string; content: string }>;
    return msgs[msgs.length - 1]!.content;
  });
}

describe('exactly one reply per platform event', () => {
  test('GIVEN the same event enqueued three times, before and after it was answered, THEN one model call and one reply', async () => {
    const { producer, collector, model } = await setup();
    const turn = makeTurn({ text: 'only once please' });
    await producer.send(turn);
    await producer.send(turn);
    await collector.waitForFinals(1);
    // Redelivered later (a Slack retry, a gateway resume): the completed job id still counts as a duplicate.
    await producer.send(turn);
    // And from a producer that did not use the contract's job id: the mailbox's seen-set still dedupes.
    await producer.send(turn, 'some-other-job-id');
    await new Promise((r) => setTimeout(r, 500));
    expect(collector.finals).toHaveLength(1);
    expect(collector.finals[0]!.inReplyTo).toBe(turn.eventId);
    expect(model.requests).toHaveLength(1);
  });

  test('GIVEN an answered event THEN its job id is kept for the dedupe window and its seen-key expires with it', async () => {
    const { producer, collector, prefix } = await setup();
    const turn = makeTurn();
    await producer.send(turn);
    await collector.waitForFinals(1);
    const jobId = jobIdFor(turn.platform, turn.eventId);
    const queue = new Queue(INBOUND_QUEUE, { connection: new Redis(REDIS_URL), prefix });
    cleanups.push(() => queue.close());
    await eventually(async () => (await queue.getJobState(jobId)) === 'completed', 5_000, 'inbound job completed');
    const redis = new Redis(REDIS_URL);
    cleanups.push(() => redis.quit());
    const ttl = await redis.ttl(`${prefix}:seen:${jobId}`);
    expect(ttl).toBeGreaterThan(86_000);
    expect(ttl).toBeLessThanOrEqual(86_400);
  });
});

describe('order, bursts and parallelism', () => {
  test('GIVEN five messages of one conversation spaced beyond the quiet window THEN every message is answered in order and never two model calls at once', async () => {
    const model = await startFakeOpenAi();
    cleanups.push(() => model.close());
    model.setDelay(150);
    const { producer, collector } = await setup({ quietMs: 40, model });
    const turns: InboundTurn[] = [];
    for (let i = 0; i < 5; i++) {
      const t = makeTurn({ text: `message ${i}`, conversationId: 'ordered' });
      turns.push(t);
      await producer.send(t);
      await new Promise((r) => setTimeout(r, 60));
    }
    // Messages that arrive while a turn runs coalesce into the next turn; wait for the one answering the last.
    await eventually(() => collector.finals.some((f) => f.inReplyTo === turns[4]!.eventId), 15_000, 'the reply to the last message');
    const finals = collector.finals;
    const answered = finals.map((f) => f.inReplyTo);
    const order = answered.map((id) => turns.findIndex((t) => t.eventId === id));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(order[order.length - 1]).toBe(4);
    expect(model.maxConcurrent).toBe(1);
    const texts = lastUserTexts(model).join('\n');
    for (const t of turns) expect(texts).toContain(t.text);
  });

  test('GIVEN messages within the quiet window THEN they become one turn and one reply that sees all of them', async () => {
    const { producer, collector, model } = await setup({ quietMs: 400 });
    const turns = ['so', 'I was thinking', 'about dinner', 'tonight', 'any ideas?'].map((text) => makeTurn({ text, conversationId: 'burst' }));
    for (const t of turns) {
      await producer.send(t);
      await new Promise((r) => setTimeout(r, 30));
    }
    const [reply] = await collector.waitForFinals(1);
    await new Promise((r) => setTimeout(r, 600));
    expect(collector.finals).toHaveLength(1);
    expect(reply!.inReplyTo).toBe(turns[4]!.eventId);
    expect(model.requests).toHaveLength(1);
    expect(lastUserTexts(model)[0]).toBe(turns.map((t) => t.text).join('\n'));
  });

  test('GIVEN ten messages stamped in one instant by a producer using the monotonic clock THEN they are answered in the order sent, every time', async () => {
    const { producer, collector, model } = await setup({ quietMs: 300 });
    for (let round = 0; round < 5; round++) {
      const turns = Array.from({ length: 10 }, (_, i) => makeTurn({ text: `r${round} m${i}`, conversationId: `instant-${round}`, receivedAt: monotonicNow().toISOString() }));
      // All at once: the brain's intake handles many jobs concurrently, so arrival order is left to chance.
      await Promise.all(turns.map((t) => producer.send(t)));
    }
    // However the turns fall (one burst, or split when the machine is slow), each conversation's
    // messages reach the model once each, in the order sent.
    const seen = () => lastUserTexts(model).flatMap((t) => t.split('\n'));
    await eventually(() => seen().length >= 50, 15_000, 'all fifty messages answered');
    for (let round = 0; round < 5; round++) {
      expect(seen().filter((line) => line.startsWith(`r${round} `))).toEqual(Array.from({ length: 10 }, (_, i) => `r${round} m${i}`));
    }
  });

  test('GIVEN a message that already waited in the queue longer than the quiet window THEN it is answered without a second wait', async () => {
    const { producer, collector } = await setup({ quietMs: 1_500 });
    const waited = makeTurn({ text: 'sent while the brain was busy', conversationId: 'late', receivedAt: new Date(Date.now() - 5_000).toISOString() });
    const started = Date.now();
    await producer.send(waited);
    await collector.waitForFinals(1);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  test('GIVEN a burst that never goes quiet THEN it is answered once maxMs has passed', async () => {
    const { producer, collector } = await setup({ quietMs: 300, maxMs: 600 });
    const started = Date.now();
    let sent = 0;
    while (collector.finals.length === 0 && Date.now() - started < 5_000) {
      await producer.send(makeTurn({ text: `chatter ${sent++}`, conversationId: 'chatty' }));
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(collector.finals.length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  test('GIVEN four conversations at once and a slow model THEN their turns overlap in time', async () => {
    const model = await startFakeOpenAi();
    cleanups.push(() => model.close());
    model.setDelay(400);
    const { producer, collector } = await setup({ model });
    const started = Date.now();
    await Promise.all(['a', 'b', 'c', 'd'].map((c) => producer.send(makeTurn({ conversationId: c }))));
    await collector.waitForFinals(4);
    expect(model.maxConcurrent).toBeGreaterThanOrEqual(3);
    expect(Date.now() - started).toBeLessThan(4 * 400);
  });
});

describe('bad input', () => {
  test('GIVEN invalid payloads mixed with good turns THEN each invalid one is dead-lettered with the zod reason and every good one is answered', async () => {
    const { producer, collector, prefix } = await setup();
    const good = [makeTurn({ conversationId: 'g1' }), makeTurn({ conversationId: 'g2' }), makeTurn({ conversationId: 'g3' })];
    await producer.send(good[0]!);
    await producer.send({ v: 1, platform: 'web', eventId: 'bad-1', text: 42 }, 'web-bad-1');
    await producer.send(good[1]!);
    await producer.send({ ...makeTurn(), traceparent: 'not-a-trace' }, 'web-bad-2');
    await producer.send({ ...makeTurn(), text: 'x'.repeat(40_000) }, 'web-bad-3');
    await producer.send(good[2]!);
    const finals = await collector.waitForFinals(3);
    expect(new Set(finals.map((f) => f.inReplyTo))).toEqual(new Set(good.map((g) => g.eventId)));
    await eventually(async () => (await deadLettersOf(prefix)).length === 3, 5_000, 'three dead letters');
    const entries = await deadLettersOf(prefix);
    const byJob = Object.fromEntries(entries.map((e) => [e.jobId, e]));
    expect(byJob['web-bad-1']).toMatchObject({ queue: 'inbound', code: 'payload_invalid' });
    expect(byJob['web-bad-1']!.reason).toMatch(/conversation/);
    expect(byJob['web-bad-2']!.reason).toMatch(/traceparent/);
    expect(byJob['web-bad-3']!.reason).toMatch(/text/);
    expect(byJob['web-bad-1']!.payload).toMatchObject({ eventId: 'bad-1' });
  });
});
