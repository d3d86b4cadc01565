// The Ollama client against a fake speaking /api/chat NDJSON, /api/tags and /api/version on 127.0.0.1:
// streaming, lines split across chunks, retries before the first byte, mid-stream error lines, the
// missing `done` line, model look-up, the deadline and the caller's abort.
import { createServer } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { freePort } from '../../helpers/private-redis.ts';
import { OllamaProvider, probeOllama, type LlmProvider } from '../../../brain/llm/index.ts';
import { startFakeOllama, startFakeOpenAi, type FakeOllama } from '../../fakes/llm/index.ts';

let fake: FakeOllama;
const extra: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await fake?.close();
  for (const c of extra.splice(0)) await c.close();
});

const provider = (baseUrl: string, over: Partial<{ model: string | undefined; timeoutMs: number; maxRetries: number }> = {}) =>
  new OllamaProvider({ baseUrl, model: 'llama3.2', timeoutMs: 5_000, maxRetries: 1, ...over });

/** Runs one call to the end: the deltas it yielded, and what it threw (if anything). */
async function collect(p: LlmProvider, opts: { text?: string; signal?: AbortSignal; onDelta?: (d: string) => void } = {}) {
  const deltas: string[] = [];
  const started = performance.now();
  try {
    for await (const d of p.stream({ messages: [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: opts.text ?? 'tell me a story' }], maxTokens: 64, temperature: 0.2, signal: opts.signal })) {
      deltas.push(d);
      opts.onDelta?.(d);
    }
    return { deltas, text: deltas.join(''), error: undefined as unknown, ms: performance.now() - started };
  } catch (error) {
    return { deltas, text: deltas.join(''), error, ms: performance.now() - started };
  }
}


const chats = () => fake.requests.filter((r) => r.path === '/api/chat');

describe('Ollama provider', () => {
  test('GIVEN a reply THEN it streams line by line, in order, and sends model, messages, num_predict and temperature', async () => {
    fake = await startFakeOllama();
    fake.setReply('The keeper climbed the stairs at dusk and lit the great lamp.');
    const { deltas, text, error } = await collect(provider(fake.url));
    expect(error).toBeUndefined();
    expect(deltas.length).toBeGreaterThan(3);
    expect(text).toBe('The keeper climbed the stairs at dusk and lit the great lamp.');
    expect(chats()[0]!.body).toEqual({
      model: 'llama3.2', stream: true, options: { num_predict: 64, temperature: 0.2 },
      messages: [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: 'tell me a story' }],
    });
  });

  test('GIVEN every line arrives in two chunks, cut mid-line and mid-character THEN the text is intact', async () => {
    fake = await startFakeOllama();
    fake.setSplitLines(true);
    fake.setReply('Grüße aus Köln ☕ und 🌍 — schön, dich zu sehen!');
    const { text, error } = await collect(provider(fake.url));
    expect(error).toBeUndefined();
    expect(text).toBe('Grüße aus Köln ☕ und 🌍 — schön, dich zu sehen!');
  });

  test('GIVEN a 429 with Retry-After: 1 THEN the call waits about a second, retries and succeeds', async () => {
    fake = await startFakeOllama();
    fake.failNext(1, 429, { 'retry-after': '1' }, 'too many requests');
    const { text, error } = await collect(provider(fake.url), { text: 'hi' });
    expect(error).toBeUndefined();
    expect(text).toBe('You said: hi');
    expect(chats()).toHaveLength(2);
    expect(chats()[1]!.startedAt - chats()[0]!.startedAt).toBeGreaterThanOrEqual(950);
  });

  test('GIVEN a 429 with a long Retry-After THEN the call fails fast with model_rate_limited and retryAfterMs', async () => {
    fake = await startFakeOllama();
    fake.failNext(1, 429, { 'retry-after': '90' }, 'too many requests');
    const { error, ms } = await collect(provider(fake.url, { maxRetries: 3 }));
    expect(error).toMatchObject({ code: 'model_rate_limited', retryAfterMs: 90_000 });
    expect(chats()).toHaveLength(1);
    expect(ms).toBeLessThan(1_000);
  });

  test('GIVEN a 503 THEN it is retried and the second answer streams', async () => {
    fake = await startFakeOllama();
    fake.failNext(1, 503, {}, 'server busy, please try again.  maximum pending requests exceeded');
    const { text, error } = await collect(provider(fake.url), { text: 'again' });
    expect(error).toBeUndefined();
    expect(text).toBe('You said: again');
    expect(chats()).toHaveLength(2);
  });

  test('GIVEN 500s beyond maxRetries THEN model_unavailable with Ollama\'s error text', async () => {
    fake = await startFakeOllama();
    fake.failNext(2, 500, {}, 'llama runner process has terminated: signal: killed');
    const { error } = await collect(provider(fake.url, { maxRetries: 1 }));
    expect(error).toMatchObject({ code: 'model_unavailable' });
    expect((error as Error).message).toContain('500: llama runner process has terminated');
    expect(chats()).toHaveLength(2);
  });

  test('GIVEN a 401 THEN model_rejected at once, without a retry', async () => {
    fake = await startFakeOllama();
    fake.failNext(1, 401, {}, 'unauthorized');
    const { error } = await collect(provider(fake.url, { maxRetries: 3 }));
    expect(error).toMatchObject({ code: 'model_rejected' });
    expect(chats()).toHaveLength(1);
  });

  test('GIVEN a model Ollama has not pulled THEN model_rejected telling how to pull it, without a retry', async () => {
    fake = await startFakeOllama();
    const { error } = await collect(provider(fake.url, { model: 'mistral-nemo', maxRetries: 3 }));
    expect(error).toMatchObject({ code: 'model_rejected' });
    expect((error as Error).message).toContain('ollama pull mistral-nemo');
    expect(chats()).toHaveLength(1);
  });

  test('GIVEN nothing listening THEN model_unavailable naming the refused connection', async () => {
    fake = await startFakeOllama();
    const { error } = await collect(provider(`http://127.0.0.1:${await freePort()}`, { maxRetries: 0 }));
    expect(error).toMatchObject({ code: 'model_unavailable' });
    expect((error as Error).message).toContain('ECONNREFUSED');
  });

  test('GIVEN the socket dies mid-stream THEN the text so far is yielded, then model_stream_cut', async () => {
    fake = await startFakeOllama();
    fake.setReply('one two three four five six seven eight nine ten');
    fake.setChunkDelay(20); // let the first lines reach the client before the socket dies (an RST can discard unread data)
    fake.cutNext();
    const { text, error } = await collect(provider(fake.url));
    expect(error).toMatchObject({ code: 'model_stream_cut' });
    expect(text.length).toBeGreaterThan(0);
    expect('one two three four five six seven eight nine ten'.startsWith(text)).toBe(true);
    expect(text).not.toBe('one two three four five six seven eight nine ten');
    expect(chats()).toHaveLength(1);
  });

  test('GIVEN an {"error"} line mid-stream THEN model_unavailable carrying Ollama\'s message', async () => {
    fake = await startFakeOllama();
    fake.setReply('one two three four five six');
    fake.errorLineNext('an error was encountered while running the model: CUDA error');
    const { text, error } = await collect(provider(fake.url));
    expect(text).toBe('one two three ');
    expect(error).toMatchObject({ code: 'model_unavailable' });
    expect((error as Error).message).toContain('CUDA error');
  });

  test('GIVEN a line that is not JSON THEN model_rejected quoting it', async () => {
    fake = await startFakeOllama();
    fake.malformedNext();
    const { error } = await collect(provider(fake.url));
    expect(error).toMatchObject({ code: 'model_rejected' });
    expect((error as Error).message).toContain('not JSON');
  });

  test('GIVEN a stream that ends without a done:true line THEN the whole text, then model_stream_cut', async () => {
    fake = await startFakeOllama();
    fake.noDoneNext();
    const { text, error } = await collect(provider(fake.url), { text: 'hello there' });
    expect(text).toBe('You said: hello there');
    expect(error).toMatchObject({ code: 'model_stream_cut' });
  });

  test('GIVEN a server slower than timeoutMs THEN model_timeout soon after the deadline', async () => {
    fake = await startFakeOllama();
    fake.setDelay(3_000);
    const { error, ms } = await collect(provider(fake.url, { timeoutMs: 300 }));
    expect(error).toMatchObject({ code: 'model_timeout' });
    expect(ms).toBeLessThan(1_500);
  });

  test('GIVEN the caller aborts mid-stream THEN the call rejects with the abort and the request is torn down', async () => {
    fake = await startFakeOllama();
    fake.setReply('a b c d e f g h i j k l m n o p q r s t u v w x y z');
    fake.setChunkDelay(100);
    const ac = new AbortController();
    const { text, error } = await collect(provider(fake.url), { signal: ac.signal, onDelta: () => ac.abort() });
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(text.length).toBeGreaterThan(0);
    await expect.poll(() => chats()[0]!.endedAt, { timeout: 1_000 }).toBeDefined();
  });

  test('GIVEN no model configured THEN the first model /api/tags lists is used, looked up once', async () => {
    fake = await startFakeOllama();
    fake.setModels(['qwen2.5:7b', 'llama3.2:latest']);
    const p = provider(fake.url, { model: undefined });
    expect((await collect(p)).error).toBeUndefined();
    expect((await collect(p)).error).toBeUndefined();
    expect(p.model).toBe('qwen2.5:7b');
    expect(chats().map((r) => r.body.model)).toEqual(['qwen2.5:7b', 'qwen2.5:7b']);
    expect(fake.requests.filter((r) => r.path === '/api/tags')).toHaveLength(1);
  });

  test('GIVEN no model configured and none pulled THEN model_not_configured saying to run ollama pull', async () => {
    fake = await startFakeOllama();
    fake.setModels([]);
    const { error } = await collect(provider(fake.url, { model: undefined }));
    expect(error).toMatchObject({ code: 'model_not_configured' });
    expect((error as Error).message).toContain('ollama pull llama3.2');
    expect(chats()).toHaveLength(0);
  });
});

describe('probeOllama', () => {
  test('GIVEN Ollama answers THEN it returns the model names', async () => {
    fake = await startFakeOllama();
    fake.setModels(['llama3.2:latest', 'phi3:mini']);
    expect(await probeOllama(`${fake.url}/`, 1_000)).toEqual(['llama3.2:latest', 'phi3:mini']);
  });

  test('GIVEN nothing listening, or a server that is not Ollama THEN undefined', async () => {
    fake = await startFakeOllama();
    const other = await startFakeOpenAi();
    extra.push(other);
    expect(await probeOllama(`http://127.0.0.1:${await freePort()}`, 1_000)).toBeUndefined();
    expect(await probeOllama(other.url, 1_000)).toBeUndefined();
  });

  test('GIVEN a server that never answers THEN undefined after the timeout', async () => {
    fake = await startFakeOllama();
    const sockets = new Set<import('node:net').Socket>();
    const silent = createServer((s) => void sockets.add(s)); // accepts, never replies
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    extra.push({
      close: () => new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        silent.close(() => r());
      }),
    });
    const started = performance.now();
    expect(await probeOllama(`http://127.0.0.1:${(silent.address() as { port: number }).port}`, 200)).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
