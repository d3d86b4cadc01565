import { describe, expect, test } from 'vitest';
import { estimateTokens, withBudget, type CompletionRequest, type LlmProvider } from '../../../brain/llm/index.ts';

/** A provider whose calls each wait for the test to let them finish; it records order and concurrency. */
function gatedProvider() {
  const started: string[] = [];
  const gates = new Map<string, () => void>();
  let active = 0;
  let maxActive = 0;
  const provider: LlmProvider = {
    id: 'openai',
    model: 'gated',
    async *stream(req: CompletionRequest) {
      const label = req.messages[0]!.content;
      started.push(label);
      active++;
      maxActive = Math.max(maxActive, active);
      try {
        await new Promise<void>((resolve) => gates.set(label, resolve));
        yield `done ${label}`;
      } finally {
        active--;
      }
    },
    close: async () => undefined,
  };
  const finish = (label: string) => gates.get(label)!();
  return { provider, started, finish, get maxActive() { return maxActive; } };
}

/** Runs one call; resolves with its text, or rejects as the call does. */
async function call(p: LlmProvider, label: string, opts: { maxTokens?: number; signal?: AbortSignal } = {}): Promise<string> {
  let text = '';
  for await (const d of p.stream({ messages: [{ role: 'user', content: label }], maxTokens: opts.maxTokens ?? 10, temperature: 0, signal: opts.signal })) text += d;
  return text;
}

const tick = () => new Promise((r) => setTimeout(r, 10));

describe('withBudget: calls in flight', () => {
  test('GIVEN maxConcurrency 2 and five calls THEN two run at a time, and the rest start in arrival order', async () => {
    const g = gatedProvider();
    const p = withBudget(g.provider, { maxConcurrency: 2, tokensPerMinute: 0 });
    const calls = ['a', 'b', 'c', 'd', 'e'].map((l) => call(p, l));
    await tick();
    expect(g.started).toEqual(['a', 'b']);
    g.finish('b');
    await tick();
    expect(g.started).toEqual(['a', 'b', 'c']);
    for (const l of ['a', 'c', 'd', 'e']) {
      await tick();
      g.finish(l);
    }
    expect(await Promise.all(calls)).toEqual(['done a', 'done b', 'done c', 'done d', 'done e']);
    expect(g.maxActive).toBe(2);
  });

  test('GIVEN a queued call is aborted THEN it rejects at once, never runs, and the next one takes its place', async () => {
    const g = gatedProvider();
    const p = withBudget(g.provider, { maxConcurrency: 1, tokensPerMinute: 0 });
    const ac = new AbortController();
    const a = call(p, 'a');
    const b = call(p, 'b', { signal: ac.signal });
    const c = call(p, 'c');
    await tick();
    ac.abort();
    await expect(b).rejects.toMatchObject({ name: 'AbortError' });
    g.finish('a');
    await tick();
    g.finish('c');
    expect(await Promise.all([a, c])).toEqual(['done a', 'done c']);
    expect(g.started).toEqual(['a', 'c']);
  });

  test('GIVEN an already aborted signal THEN the call rejects without taking a slot', async () => {
    const g = gatedProvider();
    const p = withBudget(g.provider, { maxConcurrency: 1, tokensPerMinute: 0 });
    await expect(call(p, 'x', { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    const a = call(p, 'a');
    await tick();
    g.finish('a');
    expect(await a).toBe('done a');
  });

  test('GIVEN a call that throws THEN its slot is released', async () => {
    const failing: LlmProvider = {
      id: 'openai',
      model: 'failing',
      async *stream() {
        yield* [];
        throw new Error('boom');
      },
      close: async () => undefined,
    };
    const p = withBudget(failing, { maxConcurrency: 1, tokensPerMinute: 0 });
    await expect(call(p, 'a')).rejects.toThrow('boom');
    await expect(call(p, 'b')).rejects.toThrow('boom');
  });
});

describe('withBudget: tokens per minute', () => {
  const instant: LlmProvider = {
    id: 'openai',
    model: 'instant',
    async *stream() {
      yield 'ok';
    },
    close: async () => undefined,
  };

  test('GIVEN messages and maxTokens THEN the estimate is a quarter of the characters plus maxTokens', () => {
    expect(estimateTokens({ messages: [{ role: 'system', content: 'x'.repeat(10) }, { role: 'user', content: 'y'.repeat(7) }], maxTokens: 100 })).toBe(105);
  });

  test('GIVEN the bucket is spent THEN the next call waits until enough tokens have refilled', async () => {
    const p = withBudget(instant, { maxConcurrency: 4, tokensPerMinute: 6_000 }); // 100 tokens a second
    let t = performance.now();
    await call(p, 'a', { maxTokens: 6_000 }); // the whole minute's budget
    expect(performance.now() - t).toBeLessThan(100);
    t = performance.now();
    await call(p, 'b', { maxTokens: 49 }); // 50 tokens: half a second of refill
    const waited = performance.now() - t;
    expect(waited).toBeGreaterThanOrEqual(450);
    expect(waited).toBeLessThan(1_000);
  });

  test('GIVEN a call waiting for tokens is aborted THEN it rejects at once and gives its tokens back', async () => {
    const p = withBudget(instant, { maxConcurrency: 4, tokensPerMinute: 600 }); // 10 tokens a second
    await call(p, 'a', { maxTokens: 600 });
    const ac = new AbortController();
    const waiting = call(p, 'b', { maxTokens: 300, signal: ac.signal }); // would wait ~30 s
    setTimeout(() => ac.abort(), 50);
    const t = performance.now();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    expect(performance.now() - t).toBeLessThan(500);
    const t2 = performance.now();
    await call(p, 'c', { maxTokens: 1 }); // 2 tokens: ~0.2 s, not the aborted call's 30 s
    expect(performance.now() - t2).toBeLessThan(1_000);
  });

  test('GIVEN tokensPerMinute 0 THEN calls never wait for tokens', async () => {
    const p = withBudget(instant, { maxConcurrency: 4, tokensPerMinute: 0 });
    const t = performance.now();
    for (let i = 0; i < 5; i++) await call(p, 'a', { maxTokens: 1_000_000 });
    expect(performance.now() - t).toBeLessThan(200);
  });
});
