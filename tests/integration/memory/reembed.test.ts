// Background re-embedding: memories written under another embedder (a switch) or while the embedder was down get
// a vector of the current embedder, so vector recall finds them again; superseded facts are left alone; an
// embedder failure changes nothing and is retried.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { PersonId } from '../../../identity/index.ts';
import { openStore, type Store } from '../../../store/index.ts';
import { LocalHashEmbedder, MemoryStore, OpenAiEmbedder, reembedBatch, startReembedder } from '../../../brain/memory/index.ts';
import { startFakeEmbeddings, type FakeEmbeddings } from '../../fakes/embeddings/fake-embeddings.ts';
import { prov } from './memory-harness.ts';

let store: Store;
let fake: FakeEmbeddings;
beforeAll(async () => {
  store = await openStore({ dataDir: 'memory://' });
  fake = await startFakeEmbeddings();
}, 120_000);
afterAll(async () => {
  await fake?.close();
  await store?.close();
});

const day = (n: number) => new Date(Date.UTC(2026, 0, 1 + n));
const remote = () => MemoryStore.open({ store, embedder: new OpenAiEmbedder({ baseUrl: `${fake.url}/v1`, model: 'text-embedding-3-small', dims: 384 }) });
async function models(person: PersonId): Promise<Array<[string, string | null, boolean]>> {
  const { rows } = await sql<{ text: string; model: string | null; current: boolean }>`
    select text, embedding_model as model, valid_to is null as current from memories where person_id = ${person} order by valid_from`.execute(store.db);
  return rows.map((r) => [r.text, r.model, r.current]);
}

describe('re-embedding memories', () => {
  test('GIVEN memories embedded by the local embedder WHEN the embedder is switched THEN a batch gives the current ones new vectors, vector recall finds them again, and a superseded fact keeps its old vector', async () => {
    const person = randomUUID() as PersonId;
    const local = (await MemoryStore.open({ store })).forPerson(person);
    await local.write({ kind: 'episodic', text: 'Pomegranate harvest festival in the village', provenance: prov('a1', day(0)) });
    await local.write({ kind: 'fact', factKey: 'home', text: 'lives in Lisbon', provenance: prov('a2', day(1)) });
    await local.write({ kind: 'fact', factKey: 'home', text: 'lives in Porto', provenance: prov('a3', day(2)) });
    const switched = await remote();
    const me = switched.forPerson(person);
    // Before: the new embedder's vectors are never compared with the old ones, so a misspelling finds nothing.
    expect(await me.recall('pomegranat harvst festivl', { k: 1, recencyWeight: 0 })).toEqual([]);

    expect(await reembedBatch(switched.deps, 64)).toEqual({ embedded: 2, more: false });
    expect(await models(person)).toEqual([
      ['Pomegranate harvest festival in the village', 'openai:text-embedding-3-small', true],
      ['lives in Lisbon', new LocalHashEmbedder().id, false],
      ['lives in Porto', 'openai:text-embedding-3-small', true],
    ]);
    const got = await me.recall('pomegranat harvst festivl', { k: 1, recencyWeight: 0 });
    expect(got.map((m) => [m.text, m.via])).toEqual([['Pomegranate harvest festival in the village', ['vector']]]);
    // Nothing left: a second batch does no work.
    expect(await reembedBatch(switched.deps, 64)).toEqual({ embedded: 0, more: false });
  });

  test('GIVEN the embedder down THEN a batch throws and changes nothing; the background re-embedder retries after its backoff and embeds the memory written without a vector', async () => {
    const person = randomUUID() as PersonId;
    const switched = await remote();
    const me = switched.forPerson(person);
    fake.failNext(1, 503);
    await me.write({ kind: 'episodic', text: 'learned to juggle three clubs', provenance: prov('b1', day(5)) });
    expect(await models(person)).toEqual([['learned to juggle three clubs', null, true]]);

    fake.failNext(1, 500);
    await expect(reembedBatch(switched.deps, 64)).rejects.toThrow();
    expect(await models(person)).toEqual([['learned to juggle three clubs', null, true]]);

    fake.failNext(1, 500);
    let counted = 0;
    const reembedder = startReembedder(switched.deps, { failureBackoffMs: 100, batchPauseMs: 10, onEmbedded: (n) => (counted += n) });
    try {
      await reembedder.idle();
      expect(await models(person)).toEqual([['learned to juggle three clubs', 'openai:text-embedding-3-small', true]]);
      expect(counted).toBeGreaterThanOrEqual(1);
    } finally {
      await reembedder.close();
    }
  });
});
