import { describe, expect, test } from 'vitest';
import { cosine, l2Normalise } from '../../../brain/memory/embedders/embedder.ts';
import { OllamaEmbedder, OpenAiEmbedder, selectEmbedder, LocalHashEmbedder } from '../../../brain/memory/index.ts';
import { HelixConfig } from '../../../config/index.ts';
import { startFakeEmbeddings } from '../../fakes/embeddings/fake-embeddings.ts';

describe('Ollama /api/embed', () => {
  test('GIVEN texts THEN one vector each, in order, cut from 768 to 384 dims and unit length', async () => {
    await using fake = await startFakeEmbeddings();
    const e = new OllamaEmbedder({ baseUrl: fake.url, model: 'nomic-embed-text', dims: 384 });
    const out = await e.embed(['has a dog called Juno', 'lives in Lisbon']);
    expect(fake.requests.map((r) => [r.path, r.body])).toEqual([['/api/embed', { model: 'nomic-embed-text', input: ['has a dog called Juno', 'lives in Lisbon'] }]]);
    expect(out.map((v) => v.length)).toEqual([384, 384]);
    expect(out[0]).toEqual(l2Normalise(fake.vectorOf('has a dog called Juno').slice(0, 384)));
    expect(cosine(out[1]!, out[1]!)).toBeCloseTo(1, 9);
    expect(e.id).toBe('ollama:nomic-embed-text');
  });

  test('GIVEN a model Ollama lacks THEN embedder_rejected says to check memory.model; GIVEN 503 THEN embedder_unavailable', async () => {
    await using fake = await startFakeEmbeddings();
    await expect(new OllamaEmbedder({ baseUrl: fake.url, model: 'nope', dims: 384 }).embed(['x'])).rejects.toMatchObject({ code: 'embedder_rejected', message: expect.stringMatching(/404.*memory\.model/s) });
    fake.failNext(1, 503);
    await expect(new OllamaEmbedder({ baseUrl: fake.url, model: 'nomic-embed-text', dims: 384 }).embed(['x'])).rejects.toMatchObject({ code: 'embedder_unavailable' });
  });

  test('GIVEN a model with fewer dims than stored THEN it is refused, naming the sizes', async () => {
    await using fake = await startFakeEmbeddings();
    fake.setDims(256);
    await expect(new OllamaEmbedder({ baseUrl: fake.url, model: 'nomic-embed-text', dims: 384 }).embed(['x'])).rejects.toMatchObject({ code: 'embedder_rejected', message: expect.stringMatching(/256-dimensional.*384/) });
  });

  test('GIVEN nothing listening THEN embedder_unavailable names the server', async () => {
    await expect(new OllamaEmbedder({ baseUrl: 'http://127.0.0.1:9', model: 'm', dims: 384, timeoutMs: 2_000 }).embed(['x'])).rejects.toMatchObject({ code: 'embedder_unavailable', message: expect.stringMatching(/127\.0\.0\.1:9/) });
  });
});

describe('OpenAI-compatible /v1/embeddings', () => {
  test('GIVEN answers out of order THEN vectors come back in input order, with the key and dimensions sent', async () => {
    await using fake = await startFakeEmbeddings();
    fake.setApiKey('sk-test');
    const e = new OpenAiEmbedder({ baseUrl: `${fake.url}/v1`, apiKey: 'sk-test', model: 'text-embedding-3-small', dims: 384 });
    const out = await e.embed(['alpha', 'beta', 'gamma']);
    expect(fake.requests[0]).toMatchObject({ path: '/v1/embeddings', body: { model: 'text-embedding-3-small', input: ['alpha', 'beta', 'gamma'], dimensions: 384 } });
    expect(fake.requests[0]!.headers.authorization).toBe('Bearer sk-test');
    const expected = ['alpha', 'beta', 'gamma'].map((t) => {
      const v = new Array<number>(384).fill(0);
      for (const ch of t) v[(ch.codePointAt(0)! * 31) % 384]! += 1;
      return l2Normalise(v);
    });
    out.forEach((v, i) => expect(cosine(v, expected[i]!)).toBeCloseTo(1, 9));
  });

  test('GIVEN a wrong key THEN embedder_rejected', async () => {
    await using fake = await startFakeEmbeddings();
    fake.setApiKey('sk-right');
    await expect(new OpenAiEmbedder({ baseUrl: `${fake.url}/v1`, apiKey: 'sk-wrong', model: 'text-embedding-3-small', dims: 384 }).embed(['x'])).rejects.toMatchObject({ code: 'embedder_rejected', message: expect.stringMatching(/401/) });
  });
});

describe('selectEmbedder', () => {
  test('GIVEN memory.embedder THEN the matching embedder, with defaults from the llm section', () => {
    const cfg = (memory: Record<string, unknown>) => HelixConfig.parse({ memory, llm: { ollama: { baseUrl: 'http://127.0.0.1:11434' } } });
    expect(selectEmbedder(cfg({}))).toBeInstanceOf(LocalHashEmbedder);
    expect(selectEmbedder(cfg({ embedder: 'ollama' })).id).toBe('ollama:nomic-embed-text');
    expect(selectEmbedder(cfg({ embedder: 'openai', model: 'text-embedding-3-large', url: 'http://127.0.0.1:1/v1' })).id).toBe('openai:text-embedding-3-large');
    expect(() => cfg({ dims: 768 })).toThrow();
  });
});
