import { describe, expect, test } from 'vitest';
import { cosine } from '../../../../brain/memory/embedders/embedder.ts';
import { LocalHashEmbedder } from '../../../../brain/memory/embedders/local-hash.ts';
import { reciprocalRankFusion, RRF_K } from '../../../../brain/memory/fusion.ts';

describe('LocalHashEmbedder', () => {
  const e = new LocalHashEmbedder();

  test('GIVEN a text THEN the vector has 384 dims, unit length, and is the same every time', async () => {
    const [a] = await e.embed(['has a dog called Juno']);
    expect(a).toHaveLength(384);
    expect(Math.abs(cosine(a!, a!) - 1)).toBeLessThan(1e-9);
    expect(await e.embed(['has a dog called Juno'])).toEqual([a]);
  });

  test('GIVEN related and unrelated texts THEN shared words score higher than unrelated ones', async () => {
    const [q, near, far] = await e.embed(["what's my dog's name", 'has a dog called Juno', 'starts a new job on 3 March']);
    expect(cosine(q!, near!)).toBeGreaterThan(cosine(q!, far!) + 0.1);
  });

  test('GIVEN synonyms without shared words THEN it does not see them as close (the documented limit)', async () => {
    const [a, b] = await e.embed(['puppy', 'dog']);
    expect(cosine(a!, b!)).toBeLessThan(0.3);
  });
});

describe('reciprocalRankFusion', () => {
  test('GIVEN an id high in two lists THEN it beats ids found by one list', () => {
    const fused = reciprocalRankFusion([
      { name: 'text', ids: ['a', 'b', 'c'] },
      { name: 'vector', ids: ['b', 'd', 'e'] },
    ]);
    expect(fused.map((f) => f.id)).toEqual(['b', 'a', 'd', 'c', 'e']);
    expect(fused[0]).toMatchObject({ via: ['text', 'vector'], score: 1 / (RRF_K + 2) + 1 / (RRF_K + 1) });
  });

  test('GIVEN a weighted recency list THEN it breaks ties but never outweighs a two-list hit', () => {
    const fused = reciprocalRankFusion([
      { name: 'text', ids: ['old', 'new'] },
      { name: 'recent', ids: ['new', 'old'], weight: 0.3 },
    ]);
    expect(fused[0]!.id).toBe('old');
    expect(reciprocalRankFusion([{ name: 'text', ids: ['x', 'y'] }, { name: 'recent', ids: ['y'], weight: 0.3 }])[0]!.id).toBe('y');
  });
});
