// The model appraiser with the real OpenAI-compatible client against the fake server: a good answer is used as
// given; every way the model can fail (slow, error, prose, wrong count, out of range) falls back to VADER for
// the whole burst, counted, and never fails the turn; a shutdown still aborts.
import { afterEach, describe, expect, test } from 'vitest';
import { Counter, Registry } from 'prom-client';
import { OpenAiCompatibleProvider } from '../../../brain/llm/index.ts';
import { appraiseText } from '../../../brain/appraise/appraise-text.ts';
import { modelAppraiser, selectAppraiser } from '../../../brain/appraise/appraiser.ts';
import { NoModelProvider } from '../../../brain/llm/index.ts';
import { startFakeOpenAi, type FakeOpenAi } from '../../fakes/llm/index.ts';

let fake: FakeOpenAi;
afterEach(async () => fake?.close());

const WARM = 'Thank you so much, this is wonderful!';
const COLD = 'This is awful and I hate it.';

async function setup(timeoutMs = 2_000) {
  fake = await startFakeOpenAi();
  const provider = new OpenAiCompatibleProvider({ baseUrl: `${fake.url}/v1`, apiKey: 'sk-test', model: 'fake-model', timeoutMs: 10_000, maxRetries: 0 });
  const registry = new Registry();
  const counter = new Counter({ name: 'helix_appraisals_total', help: 'test', labelNames: ['source'] as const, registers: [registry] });
  const reasons: string[] = [];
  const appraiser = modelAppraiser(provider, { timeoutMs, counter, onFallback: (r) => reasons.push(r) });
  const count = async (source: string) => (await counter.get()).values.find((v) => v.labels.source === source)?.value ?? 0;
  return { provider, appraiser, reasons, count };
}

describe('model appraiser', () => {
  test('GIVEN a JSON answer with one appraisal per message THEN those values are used as given (even against VADER) and counted as model', async () => {
    const { appraiser, count } = await setup();
    fake.setReply('{"appraisals":[{"valence":-0.5,"arousal":0.2},{"valence":0.7,"arousal":0.9}]}');
    const got = await appraiser.appraise([WARM, COLD]);
    expect(got).toEqual([{ valence: -0.5, arousal: 0.2 }, { valence: 0.7, arousal: 0.9 }]);
    expect(await count('model')).toBe(1);
    const body = fake.requests[0]!.body as { temperature: number; max_tokens?: number; messages: Array<{ content: string }> };
    expect(body.temperature).toBe(0);
    expect(body.messages[1]!.content).toBe(`Messages:\n1. ${JSON.stringify(WARM)}\n2. ${JSON.stringify(COLD)}`);
  });

  test.each([
    ['prose instead of JSON', 'I think the first is happy and the second is sad.', 'answer_unusable'],
    ['one appraisal for two messages', '{"appraisals":[{"valence":0.5,"arousal":0.5}]}', 'answer_unusable'],
    ['valence out of range', '{"appraisals":[{"valence":3,"arousal":0.5},{"valence":0,"arousal":0}]}', 'answer_unusable'],
    ['broken JSON', '{"appraisals":[{"valence":0.5,', 'answer_unusable'],
  ])('GIVEN %s THEN VADER appraises the whole burst and it is counted as a fallback', async (_name, answer, reason) => {
    const { appraiser, reasons, count } = await setup();
    fake.setReply(answer);
    const got = await appraiser.appraise([WARM, COLD]);
    expect(got).toEqual([appraiseText(WARM), appraiseText(COLD)]);
    expect(got[0]!.valence).toBeGreaterThan(0.5);
    expect(reasons).toEqual([reason]);
    expect(await count('fallback')).toBe(1);
    expect(await count('model')).toBe(0);
  });

  test('GIVEN a model slower than the timeout THEN VADER answers within about the timeout, not after the model', async () => {
    const { appraiser, reasons } = await setup(300);
    fake.setDelay(3_000);
    fake.setReply('{"appraisals":[{"valence":-1,"arousal":1}]}');
    const t0 = performance.now();
    const got = await appraiser.appraise([WARM]);
    const ms = performance.now() - t0;
    expect(got).toEqual([appraiseText(WARM)]);
    expect(ms).toBeLessThan(2_000);
    expect(reasons).toEqual(['timeout']);
  });

  test('GIVEN the model answers 500 THEN VADER appraises and the reason names the error', async () => {
    const { appraiser, reasons } = await setup();
    fake.failNext(1, 500);
    const got = await appraiser.appraise([COLD]);
    expect(got).toEqual([appraiseText(COLD)]);
    expect(reasons[0]).toMatch(/^error: /);
  });

  test('GIVEN the turn is aborted (shutdown) THEN the appraisal throws instead of answering', async () => {
    const { appraiser } = await setup();
    fake.setDelay(3_000);
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('brain closing')), 100);
    await expect(appraiser.appraise([WARM], ac.signal)).rejects.toThrow();
  });

  test('GIVEN appraiser model in no-model mode THEN VADER is used and the log says why', async () => {
    const registry = new Registry();
    const counter = new Counter({ name: 'helix_appraisals_total', help: 'test', labelNames: ['source'] as const, registers: [registry] });
    const warned: string[] = [];
    const log = { info: () => {}, warn: (_o: object, msg: string) => void warned.push(msg) };
    const a = selectAppraiser({ appraiser: 'model', appraiserTimeoutMs: 1_000 }, new NoModelProvider(), counter, log);
    expect(a.kind).toBe('offline');
    expect(warned[0]).toContain('no language model is configured');
    expect(await a.appraise([WARM])).toEqual([appraiseText(WARM)]);
  });
});
