// A turn that fails on every attempt is not retried forever and does not leave the person in silence: its
// messages go to the dead-letter queue with the model's error, the person hears one apology, and the
// conversation is free for the next message (real Redis, PGlite, fake OpenAI server).
import { afterEach, describe, expect, test } from 'vitest';
import { TURN_FAILED_TEXT } from '../../../brain/turn-runner.ts';
import { TURNS_QUEUE, jobIdFor } from '../../../mesh/index.ts';
import { startFakeOpenAi } from '../../fakes/llm/index.ts';
import { InboundProducer, OutboundCollector, deadLettersOf, dropPrefix, eventually, makeTurn, startTestBrain, testConfig, testPrefix, turnsDone } from '../../helpers/mesh-harness.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/** Attempts of a turn: one at intake, then the turn job's five (TurnScheduler). */
const ATTEMPTS = 1 + 5;

describe('a turn that fails on every attempt', () => {
  test('GIVEN the model rate-limits every attempt THEN the message is dead-lettered with the reason, one apology is sent, and the next message is answered', async () => {
    const prefix = testPrefix();
    const model = await startFakeOpenAi();
    // Retry-After: 0 lets the queue retry at once, so the attempts run out in about a second.
    model.failNext(ATTEMPTS, 429, { 'retry-after': '0' }, 'slow down');
    const brain = await startTestBrain(testConfig(prefix, {
      brain: { burst: { quietMs: 0, voiceQuietMs: 0, maxMs: 8_000 } },
      llm: { provider: 'openai', openai: { baseUrl: `${model.url}/v1`, apiKey: 'test-key', model: 'fake' }, maxRetries: 0 },
    }));
    const producer = new InboundProducer(prefix);
    const collector = new OutboundCollector(prefix, 'web');
    cleanups.push(() => dropPrefix(prefix), () => model.close(), () => brain.close(), () => producer.close(), () => collector.close());

    const doomed = makeTurn({ text: 'will not make it' });
    await producer.send(doomed);
    const [apology] = await collector.waitForFinals(1, 20_000);
    expect(apology).toMatchObject({ inReplyTo: doomed.eventId, parts: [TURN_FAILED_TEXT] });
    expect(model.requests).toHaveLength(ATTEMPTS);
    // One entry, the message itself: the turn job that carried it adds none of its own.
    await eventually(async () => (await deadLettersOf(prefix)).length > 0, 5_000, 'the dead letter');
    await eventually(async () => (await brain.metrics.registry.getSingleMetric('helix_jobs_total')!.get()).values.some((v) => v.labels.outcome === 'dead_lettered'), 5_000, 'the turn job ended');
    const entries = await deadLettersOf(prefix);
    expect(entries).toHaveLength(1);
    const [entry] = entries;
    expect(entry).toMatchObject({ queue: TURNS_QUEUE, jobId: jobIdFor('web', doomed.eventId), code: 'model_rate_limited', attempts: 5, payload: { text: 'will not make it' } });
    expect(entry!.reason).toContain('slow down');

    // The model is back: the conversation is not stuck behind the failed turn, and only the new message is answered.
    const next = makeTurn({ text: 'second try' });
    await producer.send(next);
    const finals = await collector.waitForFinals(2);
    expect(finals[1]!.inReplyTo).toBe(next.eventId);
    expect(finals[1]!.parts.join('')).toContain('second try');
    expect(model.requests).toHaveLength(ATTEMPTS + 1);
    await eventually(async () => (await turnsDone(brain)) === 1, 5_000, 'the second turn taken in');
    const failed = (await brain.metrics.registry.getSingleMetric('helix_turns_total')!.get()).values.find((v) => v.labels.outcome === 'failed');
    expect(failed?.value).toBe(1);
  });
});
