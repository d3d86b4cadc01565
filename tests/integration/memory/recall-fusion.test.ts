// Recall runs its retrievers and reciprocal rank fusion as one SQL statement. These tests hold it to the
// reference: each retriever as its own query, fused by reciprocalRankFusion (brain/memory/fusion.ts) in
// TypeScript, then the rows read. Same ids, order, scores and `via`, on every backend.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { PersonId } from '../../../identity/index.ts';
import type { Store } from '../../../store/index.ts';
import { LocalHashEmbedder, MemoryStore, type RecalledMemory, type RecallOptions } from '../../../brain/memory/index.ts';
import { reciprocalRankFusion } from '../../../brain/memory/fusion.ts';
import { vectorLiteral } from '../../../brain/memory/memory-rows.ts';
import { anyWordQuery } from '../../../brain/memory/recall.ts';
import { backends, openTestStore, prov, TestPeople } from './memory-harness.ts';

const T0 = Date.parse('2026-02-01T09:00:00Z');
const WORDS = ['dog', 'garden', 'piano', 'climbing', 'bread', 'sister', 'train', 'coffee', 'mountain', 'novel', 'river', 'chess'];

/** The reference: the lists as separate queries (full text over every current memory when `scanAll`), fused in TypeScript. */
async function reference(store: Store, memory: MemoryStore, personId: PersonId, query: string, o: { k: number; vectors: boolean; scanAll: boolean }): Promise<Array<Pick<RecalledMemory, 'id' | 'text' | 'score' | 'via'>>> {
  const db = store.db;
  const n = Math.max(o.k, memory.deps.options.candidates);
  const recent = await db.selectFrom('memories').select('id').where('person_id', '=', personId).where('valid_to', 'is', null).orderBy('valid_from', 'desc').orderBy('id', 'desc').limit(n).execute();
  const searched = o.scanAll ? sql`memories` : sql`(select * from memories where person_id = ${personId} and valid_to is null order by valid_from desc limit 2000)`;
  const { rows: text } = await sql<{ id: string; kind: string }>`
    with q as (select websearch_to_tsquery('english', ${anyWordQuery(query)}) as q),
    hits as (
      (select m.id, m.kind, m.tsv, m.valid_from from ${searched} m, q where m.person_id = ${personId} and m.valid_to is null and m.tsv @@ q.q order by m.valid_from desc limit 200)
      union
      (select m.id, m.kind, m.tsv, m.valid_from from memories m, q where m.person_id = ${personId} and m.valid_to is null and m.kind = 'fact' and m.tsv @@ q.q)
    )
    select h.id, h.kind from hits h, q order by ts_rank_cd(h.tsv, q.q) desc, h.valid_from desc, h.id desc limit ${n}`.execute(db);
  let vector: string[] = [];
  if (o.vectors) {
    const lit = vectorLiteral(memory.embedder instanceof LocalHashEmbedder ? memory.embedder.embedOne(query) : []);
    const { rows } = await sql<{ id: string }>`select id from memories where person_id = ${personId} and valid_to is null and embedding is not null
      order by (embedding <=> ${lit}::vector) + 0, id desc limit ${n}`.execute(db);
    vector = rows.map((r) => String(r.id));
  }
  const fused = reciprocalRankFusion([
    { name: 'text' as const, ids: text.map((t) => String(t.id)) },
    { name: 'text' as const, ids: text.filter((t) => t.kind === 'fact').map((t) => String(t.id)) },
    { name: 'vector' as const, ids: vector },
    { name: 'recent' as const, ids: recent.map((r) => String(r.id)), weight: 0.3 },
  ]).slice(0, o.k);
  const texts = new Map((await db.selectFrom('memories').select(['id', 'text']).where('id', 'in', fused.length ? fused.map((f) => f.id) : ['0']).execute()).map((r) => [String(r.id), r.text]));
  return fused.map((f) => ({ id: f.id, text: texts.get(f.id)!, score: f.score, via: f.via }));
}

describe.each(backends)('recall as one statement on %s', (_name, make) => {
  let store: Store;
  let close: () => Promise<void>;
  let memory: MemoryStore;
  const people = new TestPeople();
  let me: PersonId;
  let other: PersonId;
  /** Fewer memories than recall's candidates per list: its lists read only the person's newest ids. */
  let few: PersonId;

  beforeAll(async () => {
    ({ store, close } = await openTestStore(make));
    memory = await MemoryStore.open({ store });
    me = people.add();
    other = people.add();
    const mine = memory.forPerson(me);
    // Distinct texts (a serial number each), so no two vectors tie and the exact order is one order.
    for (let i = 0; i < 240; i++) {
      const a = WORDS[i % WORDS.length]!;
      const b = WORDS[(i * 7 + 3) % WORDS.length]!;
      await mine.write({ kind: 'episodic', text: `note ${i}: talked about the ${a} and the ${b}`, provenance: prov(`n${i}`, new Date(T0 + i * 3_600_000)) });
    }
    await mine.write({ kind: 'fact', factKey: 'dog.name', text: 'has a dog called Juno', provenance: prov('f1', new Date(T0)) });
    await mine.write({ kind: 'fact', factKey: 'home', text: 'lives by the river in Lisbon', provenance: prov('f2', new Date(T0 + 1_000)) });
    await mine.write({ kind: 'fact', factKey: 'home', text: 'lives by the river in Porto', provenance: prov('f3', new Date(T0 + 900 * 3_600_000)) });
    await memory.forPerson(other).write({ kind: 'fact', factKey: 'dog.name', text: 'has a dog called Rex by the river', provenance: prov('o1', new Date(T0 + 2_000)) });
    few = people.add();
    for (let i = 0; i < 20; i++) {
      await memory.forPerson(few).write({ kind: 'episodic', text: `entry ${i}: the ${WORDS[(i * 5) % WORDS.length]} and the ${WORDS[(i * 3 + 1) % WORDS.length]}`, provenance: prov(`w${i}`, new Date(T0 + i * 60_000)) });
    }
    await memory.forPerson(few).write({ kind: 'fact', factKey: 'dog.name', text: 'has a dog called Pip', provenance: prov('wf', new Date(T0)) });
  }, 240_000);
  afterAll(async () => close?.());

  const queries = ['what is my dog called?', 'the garden and the piano', 'river', 'coffee on the train with my sister', 'zzz nothing matches', '?!'];

  test.each(queries)('GIVEN the query %j THEN recall returns what the separate lists fused in TypeScript give', async (query) => {
    for (const person of [me, few]) {
      for (const opts of [{}, { k: 3 }, { noVector: true }] satisfies RecallOptions[]) {
        const vectors = memory.vectors && !('noVector' in opts);
        const want = await reference(store, memory, person, query, { k: opts.k ?? memory.deps.options.recallK, vectors, scanAll: !vectors });
        // The small person's lists are exact without being asked: they search only their own few rows.
        const got = await memory.forPerson(person).recall(query, person === few ? opts : { ...opts, exactVector: true });
        expect(got.map((m) => ({ id: m.id, text: m.text, score: m.score, via: m.via }))).toEqual(want);
      }
    }
  });

  test('GIVEN a superseded fact and another person\'s memory THEN neither is ever recalled', async () => {
    const got = await memory.forPerson(me).recall('lives by the river Lisbon Porto Rex', { k: 50 });
    expect(got.map((m) => m.text)).toContain('lives by the river in Porto');
    expect(got.map((m) => m.text)).not.toContain('lives by the river in Lisbon');
    expect(got.every((m) => m.personId === me)).toBe(true);
    expect(got.some((m) => /Rex/.test(m.text))).toBe(false);
  });

  test('GIVEN a person with no memories THEN recall is empty', async () => {
    expect(await memory.forPerson(people.add()).recall('dog river')).toEqual([]);
  });
});
