// LocalGgufProvider against real llama.cpp (node-llama-cpp's prebuilt CPU binary) and a tiny random-weight
// GGUF written by the test. One thread, no GPU: the 2-core CI machines crawl with llama.cpp's default threads.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LocalGgufProvider, findGgufModel, type LocalGgufOptions } from '../../../brain/llm/local-gguf/index.ts';
import type { ChatMessage } from '../../../brain/llm/index.ts';
import { writeCorruptGguf, writeTinyGguf, type GgufDamage } from '../../helpers/tiny-gguf.ts';

const dir = mkdtempSync(join(tmpdir(), 'helix-gguf-'));
const modelA = join(dir, 'tiny-a.gguf');
const modelB = join(dir, 'tiny-b.gguf');
const prompt: ChatMessage[] = [
  { role: 'system', content: 'You are Helix.' },
  { role: 'user', content: 'Ada: hello there' },
];
/** Long enough that a generation is still running when a test interrupts it (~8 s if left alone). */
const LONG = 3_000;

const open = (modelPath: string, over: Partial<LocalGgufOptions> = {}) =>
  LocalGgufProvider.open({ modelPath, threads: 1, gpu: false, contextSize: 4_096, timeoutMs: 30_000, cancelGraceMs: 30_000, ...over });

/** Reads a stream to the end (or until it throws); `onChunk` may interrupt it. */
async function collect(stream: AsyncIterable<string>, onChunk?: (n: number) => void): Promise<{ chunks: string[]; text: string; error?: unknown }> {
  const chunks: string[] = [];
  try {
    for await (const c of stream) {
      chunks.push(c);
      onChunk?.(chunks.length);
    }
  } catch (error) {
    return { chunks, text: chunks.join(''), error };
  }
  return { chunks, text: chunks.join('') };
}

let a: LocalGgufProvider;
let reference: string;

beforeAll(async () => {
  writeTinyGguf(modelA, { seed: 1 });
  writeTinyGguf(modelB, { seed: 2 });
  a = await open(modelA);
});

afterAll(async () => {
  await a?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('LocalGgufProvider with a tiny model', () => {
  test('GIVEN the tiny model THEN it streams a non-empty reply in several chunks', async () => {
    expect(a.id).toBe('local');
    expect(a.model).toBe('tiny-a.gguf');
    const { chunks, text, error } = await collect(a.stream({ messages: prompt, maxTokens: 24, temperature: 0 }));
    expect(error).toBeUndefined();
    expect(chunks.length).toBeGreaterThan(1);
    expect(typeof text).toBe('string');
    expect(text.length).toBeGreaterThan(0);
    reference = text;
  });

  test('GIVEN temperature 0 THEN the same prompt gives the same reply, and the same seed writes the same file', async () => {
    const again = await collect(a.stream({ messages: prompt, maxTokens: 24, temperature: 0 }));
    expect(again.text).toBe(reference);
    const copy = join(dir, 'copy-of-a.gguf');
    writeTinyGguf(copy, { seed: 1 });
    expect(readFileSync(copy).equals(readFileSync(modelA))).toBe(true);
    expect(readFileSync(modelB).equals(readFileSync(modelA))).toBe(false);
  });

  test('GIVEN two calls at once THEN they take turns and each gets the whole reply', async () => {
    const [first, second] = await Promise.all([
      collect(a.stream({ messages: prompt, maxTokens: 24, temperature: 0 })),
      collect(a.stream({ messages: prompt, maxTokens: 24, temperature: 0 })),
    ]);
    expect(first.text).toBe(reference);
    expect(second.text).toBe(reference);
  });

  test('GIVEN the caller aborts mid-reply THEN the stream stops with the abort reason and the worker is free at once', async () => {
    const pid = a.workerPid;
    const ac = new AbortController();
    const reason = new Error('turn cancelled');
    const run = await collect(a.stream({ messages: prompt, maxTokens: LONG, temperature: 0, signal: ac.signal }), (n) => n === 5 && ac.abort(reason));
    const abortedAt = Date.now();
    expect(run.error).toBe(reason);
    expect(run.chunks.length).toBeGreaterThanOrEqual(5);
    expect(run.chunks.length).toBeLessThan(LONG);
    // Had the cancel not reached llama.cpp, this call would wait for the long one (seconds) behind it.
    const next = await collect(a.stream({ messages: prompt, maxTokens: 24, temperature: 0 }));
    expect(next.text).toBe(reference);
    expect(Date.now() - abortedAt).toBeLessThan(3_000);
    expect(a.workerPid).toBe(pid);
  });

  test('GIVEN the reader stops early (break) THEN the rest of the reply is cancelled and the next call goes straight on', async () => {
    let n = 0;
    for await (const _ of a.stream({ messages: prompt, maxTokens: LONG, temperature: 0 })) if (++n === 3) break;
    const stoppedAt = Date.now();
    const next = await collect(a.stream({ messages: prompt, maxTokens: 24, temperature: 0 }));
    expect(next.text).toBe(reference);
    expect(Date.now() - stoppedAt).toBeLessThan(3_000);
  });

  test('GIVEN the worker is killed (kill -9) mid-reply THEN model_unavailable, the brain lives on, and the next call restarts it', async () => {
    const pid = a.workerPid;
    expect(pid).toBeTypeOf('number');
    const run = await collect(a.stream({ messages: prompt, maxTokens: LONG, temperature: 0 }), (n) => n === 3 && process.kill(pid!, 'SIGKILL'));
    expect(run.error).toMatchObject({ name: 'HelixError', code: 'model_unavailable' });
    expect((run.error as Error).message).toMatch(/SIGKILL/);
    expect(run.chunks.length).toBeLessThan(LONG);
    // A fresh worker, the same model, the same greedy reply.
    const next = await collect(a.stream({ messages: prompt, maxTokens: 24, temperature: 0 }));
    expect(next.error).toBeUndefined();
    expect(next.text).toBe(reference);
    expect(a.workerPid).toBeTypeOf('number');
    expect(a.workerPid).not.toBe(pid);
  });

  test('GIVEN llm.timeoutMs passes mid-reply THEN model_timeout, and the next call is answered', async () => {
    await using b = await open(modelB, { timeoutMs: 600 });
    const run = await collect(b.stream({ messages: prompt, maxTokens: LONG, temperature: 0 }));
    expect(run.error).toMatchObject({ code: 'model_timeout' });
    expect((run.error as Error).message).toContain('600 ms');
    expect(run.chunks.length).toBeGreaterThan(0);
    const next = await collect(b.stream({ messages: prompt, maxTokens: 24, temperature: 0 }));
    expect(next.error).toBeUndefined();
    expect(next.text.length).toBeGreaterThan(0);
    expect(next.text).not.toBe(reference); // another seed, another model
  });

  test('GIVEN close() THEN it is idempotent and later calls fail with model_unavailable', async () => {
    const c = await open(modelB);
    await Promise.all([c.close(), c.close()]);
    expect(c.workerPid).toBeUndefined();
    const run = await collect(c.stream({ messages: prompt, maxTokens: 4, temperature: 0 }));
    expect(run.error).toMatchObject({ code: 'model_unavailable' });
  });
});

describe('LocalGgufProvider with a bad model file', () => {
  test.each<[GgufDamage, RegExp]>([
    ['truncated', /truncated/],
    ['truncated-header', /truncated or its header is corrupt/],
    ['wrong-magic', /not a GGUF file: it starts with bytes 50 4b 03 04/],
    ['bad-counts', /metadata entries, more than the file can hold/],
  ])('GIVEN a %s file THEN model_file_invalid names the file and the problem before llama.cpp sees it', async (damage, problem) => {
    const path = join(dir, `bad-${damage}.gguf`);
    writeCorruptGguf(path, damage);
    const err = await open(path).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'HelixError', code: 'model_file_invalid' });
    const message = (err as Error).message;
    expect(message).toContain(path);
    expect(message).toMatch(problem);
    expect(message).toContain('Helix did not start llama.cpp');
  });

  test('GIVEN a file that makes llama.cpp abort THEN model_file_invalid, and this process (the brain) keeps answering', async () => {
    const path = join(dir, 'bad-missing-hparam.gguf');
    writeCorruptGguf(path, 'missing-hparam');
    const err = await open(path).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'model_file_invalid' });
    expect((err as Error).message).toMatch(/llama\.cpp crashed while loading .*bad-missing-hparam\.gguf.*SIGABRT.*GGML_ASSERT/s);
    const still = await collect(a.stream({ messages: prompt, maxTokens: 8, temperature: 0 }));
    expect(still.error).toBeUndefined();
    expect(still.text.length).toBeGreaterThan(0);
  });

  test('GIVEN a path with no file THEN model_file_invalid says so and what to set', async () => {
    const path = join(dir, 'nope.gguf');
    const err = await open(path).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'model_file_invalid' });
    expect((err as Error).message).toContain(`${path} does not exist`);
    expect((err as Error).message).toContain('llm.local.modelPath');
  });
});

describe('findGgufModel', () => {
  test('GIVEN a models folder THEN the first *.gguf by name, ignoring other files, dot files and folders', () => {
    const models = join(dir, 'models');
    mkdirSync(join(models, 'a-folder.gguf'), { recursive: true });
    for (const name of ['notes.txt', '._a.gguf', 'zeta.gguf', 'Beta.GGUF', 'gamma.gguf']) writeFileSync(join(models, name), 'x');
    expect(findGgufModel(models)).toBe(join(models, 'Beta.GGUF'));
  });

  test('GIVEN an empty or missing folder THEN undefined', () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    expect(findGgufModel(empty)).toBeUndefined();
    expect(findGgufModel(join(dir, 'missing'))).toBeUndefined();
  });
});
