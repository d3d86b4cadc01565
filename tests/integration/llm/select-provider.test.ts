// Which model client `selectProvider` builds, and the log line that says why.
import { Writable } from 'node:stream';
import { afterEach, describe, expect, test } from 'vitest';
import { freePort } from '../../helpers/private-redis.ts';
import { HelixConfig } from '../../../config/index.ts';
import { createLogger } from '../../../mesh/index.ts';
import { NO_MODEL_TEXT, selectProvider, type LlmProvider } from '../../../brain/llm/index.ts';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeOllama, type FakeOllama } from '../../fakes/llm/index.ts';
import { writeCorruptGguf, writeTinyGguf } from '../../helpers/tiny-gguf.ts';

let fake: FakeOllama | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** A logger whose JSON lines land in `lines`. */
function capturingLog() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger('brain', 'info', sink), lines };
}

const llmConfig = (llm: Record<string, unknown>) => HelixConfig.parse({ llm }).llm;


async function reply(p: LlmProvider, text: string): Promise<string> {
  let out = '';
  for await (const d of p.stream({ messages: [{ role: 'user', content: text }], maxTokens: 16, temperature: 0 })) out += d;
  return out;
}

describe('selectProvider', () => {
  test('GIVEN auto and an Ollama that lists a model THEN Ollama with that model, behind the budget, and the log says why', async () => {
    fake = await startFakeOllama();
    fake.setModels(['llama3.2:latest']);
    const { log, lines } = capturingLog();
    const p = await selectProvider(llmConfig({ provider: 'auto', ollama: { baseUrl: fake.url }, maxConcurrency: 1 }), { cwd: process.cwd(), log });
    expect(p.id).toBe('ollama');
    expect(p.model).toBe('llama3.2:latest');
    fake.setDelay(100);
    await Promise.all([reply(p, 'one'), reply(p, 'two')]);
    expect(fake.maxConcurrent).toBe(1);
    expect(lines.find((l) => l.msg === 'language model: Ollama')).toMatchObject({ provider: 'ollama', model: 'llama3.2:latest', reason: expect.stringContaining('Ollama answered with 1 model') });
  });

  test('GIVEN auto and nothing answering THEN no-model mode, and the log says Ollama did not answer', async () => {
    const { log, lines } = capturingLog();
    const p = await selectProvider(llmConfig({ provider: 'auto', ollama: { baseUrl: `http://127.0.0.1:${await freePort()}` } }), { cwd: process.cwd(), log });
    expect(p.id).toBe('none');
    expect(await reply(p, 'hi')).toBe(NO_MODEL_TEXT);
    expect(lines.find((l) => l.provider === 'none')).toMatchObject({ level: 'warn', reason: expect.stringContaining('Ollama did not answer') });
  });

  test('GIVEN auto and an Ollama with no models THEN no-model mode, and the log says to pull one', async () => {
    fake = await startFakeOllama();
    fake.setModels([]);
    const { log, lines } = capturingLog();
    const p = await selectProvider(llmConfig({ provider: 'auto', ollama: { baseUrl: fake.url } }), { cwd: process.cwd(), log });
    expect(p.id).toBe('none');
    expect(lines.find((l) => l.provider === 'none')).toMatchObject({ reason: expect.stringContaining('ollama pull') });
  });

  test('GIVEN auto, no Ollama and a local model finder that finds one THEN that provider, behind the budget', async () => {
    const local: LlmProvider = { id: 'local', model: 'models/tiny.gguf', async *stream() { yield 'local reply'; }, close: async () => undefined };
    const { log, lines } = capturingLog();
    const llm = llmConfig({ provider: 'auto', ollama: { baseUrl: `http://127.0.0.1:${await freePort()}` } });
    const p = await selectProvider(llm, { cwd: process.cwd(), log, findLocalModel: async (cfg) => (cfg === llm ? local : undefined) });
    expect(p).not.toBe(local);
    expect(p).toMatchObject({ id: 'local', model: 'models/tiny.gguf' });
    expect(await reply(p, 'hi')).toBe('local reply');
    expect(lines.find((l) => l.provider === 'local')).toMatchObject({ reason: expect.stringContaining('local model file was found') });
  });

  test('GIVEN auto and a local model finder that finds nothing THEN no-model mode naming the models folder', async () => {
    const { log, lines } = capturingLog();
    const llm = llmConfig({ provider: 'auto', ollama: { baseUrl: `http://127.0.0.1:${await freePort()}` } });
    const p = await selectProvider(llm, { cwd: process.cwd(), log, findLocalModel: async () => undefined });
    expect(p.id).toBe('none');
    expect(lines.find((l) => l.provider === 'none')).toMatchObject({ reason: expect.stringContaining('no .gguf file in ./models') });
  });

  test('GIVEN provider ollama THEN Ollama without probing, with the configured model', async () => {
    fake = await startFakeOllama();
    fake.setModels(['qwen2.5:7b']);
    const { log } = capturingLog();
    const p = await selectProvider(llmConfig({ provider: 'ollama', ollama: { baseUrl: fake.url, model: 'qwen2.5:7b' } }), { cwd: process.cwd(), log });
    expect(p).toMatchObject({ id: 'ollama', model: 'qwen2.5:7b' });
    expect(fake.requests).toHaveLength(0);
    expect(await reply(p, 'hi')).toBe('You said: hi');
  });
});

describe('selectProvider with local model files', () => {
  const dirs: string[] = [];
  const providers: LlmProvider[] = [];
  afterEach(async () => {
    for (const p of providers.splice(0)) await p.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const workdir = () => {
    const d = mkdtempSync(join(tmpdir(), 'helix-select-'));
    dirs.push(d);
    mkdirSync(join(d, 'models'));
    return d;
  };

  test('GIVEN auto, no Ollama and a .gguf in ./models THEN the local model runs it (relative to the working dir)', async () => {
    const cwd = workdir();
    writeTinyGguf(join(cwd, 'models', 'tiny.gguf'), { seed: 7 });
    const { log, lines } = capturingLog();
    const p = await selectProvider(llmConfig({ provider: 'auto', ollama: { baseUrl: `http://127.0.0.1:${await freePort()}` }, local: { threads: 1 } }), { cwd, log });
    providers.push(p);
    expect(p.id).toBe('local');
    expect(p.model).toContain('tiny.gguf');
    expect((await reply(p, 'hi')).length).toBeGreaterThan(0);
    expect(lines.find((l) => l.msg === 'language model: local model file')?.reason).toMatch(/Ollama did not answer/);
  }, 60_000);

  test('GIVEN provider local and a file llama.cpp would abort on THEN the brain stays up in no-model mode, saying which file failed', async () => {
    const cwd = workdir();
    writeCorruptGguf(join(cwd, 'models', 'broken.gguf'), 'missing-hparam');
    const { log, lines } = capturingLog();
    const p = await selectProvider(llmConfig({ provider: 'local', local: { threads: 1 } }), { cwd, log });
    providers.push(p);
    expect(p.id).toBe('none');
    const text = await reply(p, 'hi');
    expect(text).toContain('broken.gguf');
    expect(text).toContain('Pointing Helix at a model');
    expect(lines.some((l) => l.level === 'error' && String(l.err).includes('broken.gguf'))).toBe(true);
  }, 60_000);

  test('GIVEN provider local and no model file THEN one line says where to put one', async () => {
    const cwd = workdir();
    const { log } = capturingLog();
    const p = await selectProvider(llmConfig({ provider: 'local' }), { cwd, log });
    expect(p.id).toBe('none');
    const text = await reply(p, 'hi');
    expect(text).toContain('no .gguf file in ./models');
    expect(text).not.toBe(NO_MODEL_TEXT);
  });
});
