// The OpenAI-compatible client against a protocol-faithful fake on 127.0.0.1: streaming, retries before the
// first byte (Retry-After honoured), the error codes each failure becomes, the deadline and the caller's abort.
import { afterEach, describe, expect, test } from 'vitest';
import { freePort } from '../../helpers/private-redis.ts';
import { OpenAiCompatibleProvider, withBudget, type LlmProvider } from '../../../brain/llm/index.ts';
import { startFakeOpenAi, type FakeOpenAi } from '../../fakes/llm/index.ts';

let fake: FakeOpenAi;
afterEach(async () => fake?.close());

const provider = (baseUrl: string, over: Partial<{ timeoutMs: number; maxRetries: number }> = {}) =>
  new OpenAiCompatibleProvider({ baseUrl: `${baseUrl}/v1`, apiKey: 'sk-test', model: 'fake-model', timeoutMs: 5_000, maxRetries: 1, ...over });

/** Runs one call to the end: the deltas it yielded, and what it threw (if anything). */
async function collect(p: LlmProvider, opts: { text?: string; signal?: AbortSignal; onDelta?: (d: string) => void } = {}) {
  const deltas: string[] = [];
  const started = performance.now();
  try {
    for await (const d of p.stream({ messages: [{ role: 'user', content: opts.text ?? 'tell me a story about a lighthouse keeper' }], maxTokens: 64, temperature: 0.2, signal: opts.signal })) {
      deltas.push(d);
      opts.onDelta?.(d);
    }
    return { deltas, text: deltas.join(''), error: undefined as unknown, ms: performance.now() - started };
  } catch (error) {
    return { deltas, text: deltas.join(''), error, ms: performance.now() - started };
  }
}


describe('OpenAI-compatible provider', () => {
  test('GIVEN a reply THEN it streams as several deltas, in order, and sends model, messages and limits', async () => {
    fake = await startFakeOpenAi();
    fake.setReply('The keeper climbed the stairs at dusk and lit the great lamp for the ships.');
    const { deltas, text, error } = await collect(provider(fake.url));
    expect(error).toBeUndefined();
    expect(deltas.length).toBeGreaterThan(3);
    expect(text).toBe('The keeper climbed the stairs at dusk and lit the great lamp for the ships.');
    expect(fake.requests[0]!.body).toMatchObject({ model: 'fake-model', stream: true, max_tokens: 64, temperature: 0.2, messages: [{ role: 'user' }] });
    expect(fake.requests[0]!.headers.authorization).toBe('Bearer sk-test');
  });

  test('GIVEN a 429 with Retry-After: 1 THEN the call waits about a second, retries and succeeds', async () => {
    fake = await startFakeOpenAi();
    fake.failNext(1, 429, { 'retry-after': '1' }, 'Rate limit reached');
    const { text, error } = await collect(provider(fake.url), { text: 'hi' });
    expect(error).toBeUndefined();
    expect(text).toBe('You said: hi');
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[1]!.startedAt - fake.requests[0]!.startedAt).toBeGreaterThanOrEqual(950);
  });

  test('GIVEN a 429 with a long Retry-After THEN the call fails fast with model_rate_limited and retryAfterMs', async () => {
    fake = await startFakeOpenAi();
    fake.failNext(1, 429, { 'retry-after': '120' }, 'Rate limit reached for requests');
    const { error, ms } = await collect(provider(fake.url, { maxRetries: 3 }));
    expect(error).toMatchObject({ name: 'HelixError', code: 'model_rate_limited', retryAfterMs: 120_000 });
    expect((error as Error).message).toContain('Rate limit reached for requests');
    expect(fake.requests).toHaveLength(1);
    expect(ms).toBeLessThan(1_000);
  });

  test('GIVEN a 503 THEN it is retried and the second answer streams', async () => {
    fake = await startFakeOpenAi();
    fake.failNext(1, 503, {}, 'The engine is currently overloaded');
    const { text, error } = await collect(provider(fake.url), { text: 'again' });
    expect(error).toBeUndefined();
    expect(text).toBe('You said: again');
    expect(fake.requests).toHaveLength(2);
  });

  test('GIVEN 500s beyond maxRetries THEN model_unavailable with the server message, after 1 + maxRetries requests', async () => {
    fake = await startFakeOpenAi();
    fake.failNext(2, 500, {}, 'The server had an error while processing your request');
    const { error } = await collect(provider(fake.url, { maxRetries: 1 }));
    expect(error).toMatchObject({ code: 'model_unavailable' });
    expect((error as Error).message).toContain('500: The server had an error');
    expect(fake.requests).toHaveLength(2);
  });

  test('GIVEN a 401 THEN model_rejected at once, without a retry', async () => {
    fake = await startFakeOpenAi();
    fake.failNext(1, 401, {}, 'Incorrect API key provided');
    const { error } = await collect(provider(fake.url, { maxRetries: 3 }));
    expect(error).toMatchObject({ code: 'model_rejected' });
    expect((error as Error).message).toContain('401: Incorrect API key provided');
    expect(fake.requests).toHaveLength(1);
  });

  test('GIVEN nothing listening THEN model_unavailable naming the refused connection', async () => {
    fake = await startFakeOpenAi();
    const { error } = await collect(provider(`http://127.0.0.1:${await freePort()}`, { maxRetries: 0 }));
    expect(error).toMatchObject({ code: 'model_unavailable' });
    expect((error as Error).message).toContain('ECONNREFUSED');
  });

  test('GIVEN the socket dies mid-stream THEN the text so far is yielded, then model_stream_cut', async () => {
    fake = await startFakeOpenAi();
    fake.setReply('one two three four five six seven eight nine ten eleven twelve');
    fake.setChunkDelay(20); // let the first deltas reach the client before the socket dies (an RST can discard unread data)
    fake.cutNext();
    const { text, error } = await collect(provider(fake.url));
    expect(error).toMatchObject({ code: 'model_stream_cut' });
    expect(text.length).toBeGreaterThan(0);
    expect('one two three four five six seven eight nine ten eleven twelve'.startsWith(text)).toBe(true);
    expect(text).not.toBe('one two three four five six seven eight nine ten eleven twelve');
    expect(fake.requests).toHaveLength(1);
  });

  test('GIVEN a chunk that is not JSON THEN model_rejected quoting it', async () => {
    fake = await startFakeOpenAi();
    fake.malformedNext();
    const { error } = await collect(provider(fake.url));
    expect(error).toMatchObject({ code: 'model_rejected' });
    expect((error as Error).message).toContain('not JSON');
  });

  test('GIVEN a stream that closes without [DONE] or a finish_reason THEN the whole text, then model_stream_cut', async () => {
    fake = await startFakeOpenAi();
    fake.noDoneNext();
    const { text, error } = await collect(provider(fake.url), { text: 'hello there' });
    expect(text).toBe('You said: hello there');
    expect(error).toMatchObject({ code: 'model_stream_cut' });
  });

  test('GIVEN a server slower than timeoutMs THEN model_timeout soon after the deadline', async () => {
    fake = await startFakeOpenAi();
    fake.setDelay(3_000);
    const { error, ms } = await collect(provider(fake.url, { timeoutMs: 300 }));
    expect(error).toMatchObject({ code: 'model_timeout' });
    expect((error as Error).message).toContain('300 ms');
    expect(ms).toBeLessThan(1_500);
  });

  test('GIVEN the deadline passes mid-stream THEN model_timeout after the text so far', async () => {
    fake = await startFakeOpenAi();
    fake.setReply('a b c d e f g h i j k l m n o p q r s t u v w x y z');
    fake.setChunkDelay(100);
    const { text, error } = await collect(provider(fake.url, { timeoutMs: 350 }));
    expect(error).toMatchObject({ code: 'model_timeout' });
    expect(text.length).toBeGreaterThan(0);
  });

  test('GIVEN the caller aborts mid-stream THEN the call rejects with the abort and the request is torn down', async () => {
    fake = await startFakeOpenAi();
    fake.setReply('a b c d e f g h i j k l m n o p q r s t u v w x y z');
    fake.setChunkDelay(100);
    const ac = new AbortController();
    const { text, error } = await collect(provider(fake.url), { signal: ac.signal, onDelta: () => ac.abort() });
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(text.length).toBeGreaterThan(0);
    await expect.poll(() => fake.requests[0]!.endedAt, { timeout: 1_000 }).toBeDefined();
    expect(fake.requests).toHaveLength(1);
  });

  test('GIVEN the caller aborts before the answer starts THEN the call rejects at once and is not retried', async () => {
    fake = await startFakeOpenAi();
    fake.setDelay(2_000);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const { error, ms } = await collect(provider(fake.url, { maxRetries: 3 }), { signal: ac.signal });
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(ms).toBeLessThan(1_000);
    expect(fake.requests).toHaveLength(1);
  });

  test('GIVEN maxConcurrency 2 and five calls at once THEN the server never sees more than two, and all five finish', async () => {
    fake = await startFakeOpenAi();
    fake.setDelay(150);
    const p = withBudget(provider(fake.url), { maxConcurrency: 2, tokensPerMinute: 0 });
    const results = await Promise.all([1, 2, 3, 4, 5].map((i) => collect(p, { text: `call ${i}` })));
    expect(results.map((r) => r.text)).toEqual([1, 2, 3, 4, 5].map((i) => `You said: call ${i}`));
    expect(fake.maxConcurrent).toBe(2);
  });
});
