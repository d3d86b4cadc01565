import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { PersonId } from '../../../identity/index.ts';
import type { Store } from '../../../store/index.ts';
import { consolidateConversation, describeMemories, MemoryStore, OllamaEmbedder, reassignMemories, recentContext } from '../../../brain/memory/index.ts';
import { startFakeEmbeddings } from '../../fakes/embeddings/fake-embeddings.ts';
import { backends, capturedLog, openTestStore, prov, say, TestPeople } from './memory-harness.ts';

const T0 = Date.parse('2026-01-05T09:00:00Z');
const day = (n: number) => new Date(T0 + n * 86_400_000);

describe.each(backends)('memory on %s', (name, make) => {
  let store: Store;
  let close: () => Promise<void>;
  let memory: MemoryStore;
  const captured = capturedLog();
  const people = new TestPeople();

  beforeAll(async () => {
    ({ store, close } = await openTestStore(make));
    memory = await MemoryStore.open({ store, log: captured.log });
  }, 240_000);
  afterAll(async () => close?.());

  test('GIVEN the backend THEN vectors are on where pgvector exists, else a clear warning names the package', async () => {
    const available = await store.vectorAvailable();
    if (name.startsWith('PGlite')) expect(memory.vectors).toBe(true);
    if (!available) {
      expect(memory.vectors).toBe(false);
      const warning = captured.lines().find((l) => l.code === 'store_vector_missing');
      expect(warning?.msg).toMatch(/postgresql-15-pgvector/);
    }
  });

  test('GIVEN facts THEN recall finds the relevant one with its provenance, for that person only', async () => {
    const ada = memory.forPerson(people.add({ platform: 'web', accountId: 'ada' }));
    await ada.write({ kind: 'fact', factKey: 'dog.name', text: 'has a dog called Juno', provenance: prov('e1', day(0), 'discord', 'dm-ada') });
    await ada.write({ kind: 'fact', factKey: 'job.start', text: 'starts a new job on 3 March', provenance: prov('e2', day(1)) });
    await ada.write({ kind: 'episodic', text: 'went hiking in the Alps with her sister', provenance: prov('e3', day(2)) });
    const got = await ada.recall("what's my dog called?", { k: 2 });
    expect(got[0]).toMatchObject({ kind: 'fact', text: 'has a dog called Juno', provenance: { platform: 'discord', conversationId: 'dm-ada', eventId: 'e1' } });
    expect(got[0]!.via).toContain('text');
    if (memory.vectors) expect(got[0]!.via).toContain('vector');
    expect(got[0]!.provenance.at.getTime()).toBe(day(0).getTime());
    const bob = memory.forPerson(people.add({ platform: 'web', accountId: 'bob' }));
    expect(await bob.recall('dog Juno')).toEqual([]);
  });

  test('GIVEN a changed fact THEN the old one is kept but superseded and never recalled as current', async () => {
    const p = memory.forPerson(people.add());
    const first = await p.write({ kind: 'fact', factKey: 'home', text: 'lives in Lisbon', provenance: prov('h1', day(0)) });
    const second = await p.write({ kind: 'fact', factKey: 'home', text: 'lives in Porto', provenance: prov('h2', day(30)) });
    expect(second).toMatchObject({ status: 'written', superseded: [first.id] });
    const history = await p.factHistory('home');
    expect(history.map((m) => [m.text, m.validTo?.toISOString() ?? null, m.supersededBy ?? null])).toEqual([
      ['lives in Lisbon', day(30).toISOString(), second.id],
      ['lives in Porto', null, null],
    ]);
    const recalled = await p.recall('Lisbon');
    expect(recalled.map((m) => m.text)).toEqual(['lives in Porto']);
    expect((await p.current()).map((m) => m.text)).toEqual(['lives in Porto']);
  });

  test('GIVEN the same write retried, or the same fact said again THEN nothing is stored twice', async () => {
    const p = memory.forPerson(people.add());
    const w = { kind: 'episodic', text: 'baked bread for the first time', provenance: prov('b1', day(0)) };
    const a = await p.write(w);
    expect(await p.write(w)).toEqual({ id: a.id, status: 'duplicate', superseded: [] });
    const f1 = await p.write({ kind: 'fact', factKey: 'cat.name', text: 'has a cat called Miso', provenance: prov('m1', day(0)) });
    expect(await p.write({ kind: 'fact', factKey: 'cat.name', text: 'Has a cat called Miso.', provenance: prov('m2', day(3)) })).toMatchObject({ id: f1.id, status: 'unchanged' });
    expect(await p.current()).toHaveLength(2);
  });

  test('GIVEN an oversized, empty or keyless write, or no person THEN it is refused with memory_invalid', async () => {
    const p = memory.forPerson(people.add());
    await expect(p.write({ kind: 'episodic', text: 'x'.repeat(2_001), provenance: prov('o1', day(0)) })).rejects.toMatchObject({ code: 'memory_invalid', message: expect.stringMatching(/at most 2000 characters/) });
    await expect(p.write({ kind: 'episodic', text: '   ', provenance: prov('o2', day(0)) })).rejects.toMatchObject({ code: 'memory_invalid' });
    await expect(p.write({ kind: 'fact', text: 'likes tea', provenance: prov('o3', day(0)) })).rejects.toMatchObject({ code: 'memory_invalid', message: expect.stringMatching(/factKey/) });
    await expect(p.write({ kind: 'episodic', text: 'fine', provenance: { platform: 'web' } })).rejects.toMatchObject({ code: 'memory_invalid' });
    expect(await p.current()).toEqual([]);
    expect(() => memory.forPerson('')).toThrow(expect.objectContaining({ code: 'memory_invalid' }));
    expect(() => memory.forPerson('discord:1234')).toThrow(expect.objectContaining({ code: 'memory_invalid' }));
  });

  test('GIVEN two people in one channel THEN neither ever gets the other\'s facts, lists, exports or summaries', async () => {
    const conv = `chan-${randomUUID().slice(0, 8)}`;
    const ana = people.add({ platform: 'discord', accountId: `ana-${conv}` });
    const ben = people.add({ platform: 'discord', accountId: `ben-${conv}` });
    const lines: Array<[PersonId, string, string]> = [
      [ana, `ana-${conv}`, 'I have a dog called Juno and she loves the beach.'],
      [ben, `ben-${conv}`, 'I have a dog called Biscuit, he is a terrier.'],
      [ana, `ana-${conv}`, 'I live in Lisbon near the river.'],
      [ben, `ben-${conv}`, 'I live in Oslo, it is cold now.'],
      [ana, `ana-${conv}`, 'Juno swam in the river beach today, the river beach is her favourite.'],
      [ben, `ben-${conv}`, 'Biscuit chewed my Oslo ski boots again, terrier things.'],
      [ana, `ana-${conv}`, 'The river beach in Lisbon was warm and Juno was happy.'],
      [ben, `ben-${conv}`, 'Skiing in Oslo this weekend with Biscuit in the snow.'],
    ];
    let i = 0;
    for (const [, account, text] of lines) await say(store, 'discord', conv, { accountId: account }, text, day(i++));
    await say(store, 'discord', conv, 'helix', 'Juno and Biscuit sound lovely!', day(i++));
    for (const person of [ana, ben]) {
      const out = await consolidateConversation(memory, { personId: person, platform: 'discord', conversationId: conv }, { accountsOf: people.accountsOf, summarySentences: 2 });
      expect(out).toMatchObject({ messages: 4, method: 'patterns', summaryWritten: true });
    }
    const anaMem = memory.forPerson(ana);
    const benMem = memory.forPerson(ben);
    for (const q of ['dog', 'where do I live', 'Biscuit terrier Oslo ski', 'Juno Lisbon river beach', 'summary of our chat']) {
      const a = (await anaMem.recall(q, { k: 20 })).map((m) => m.text).join(' | ');
      const b = (await benMem.recall(q, { k: 20 })).map((m) => m.text).join(' | ');
      expect(a).not.toMatch(/Biscuit|Oslo|terrier/);
      expect(b).not.toMatch(/Juno|Lisbon|river/);
    }
    const anaAll = await anaMem.current();
    expect(anaAll.filter((m) => m.kind === 'fact').map((m) => m.text).sort()).toEqual(['has a dog called Juno', 'lives in Lisbon near the river']);
    const summary = anaAll.find((m) => m.kind === 'summary')!;
    expect(summary.text).toMatch(/Juno|river/);
    expect(summary.text).not.toMatch(/Biscuit|Oslo/);
    expect(describeMemories(await benMem.current())).not.toMatch(/Juno|Lisbon/);
    expect(JSON.stringify(await benMem.exportData(people.accountsOf, day(20)))).not.toMatch(/Juno|Lisbon/);
  });

  test('GIVEN "forget that" after an update THEN the update is gone and the earlier fact is current again', async () => {
    const p = memory.forPerson(people.add());
    await p.write({ kind: 'fact', factKey: 'dog.name', text: 'has a dog called Juno', provenance: prov('f1', day(0)) });
    await p.write({ kind: 'fact', factKey: 'dog.name', text: 'has a dog called Rex', provenance: prov('f2', day(1)) });
    expect(await p.forgetLast()).toMatchObject({ texts: ['has a dog called Rex'] });
    expect((await p.current()).map((m) => m.text)).toEqual(['has a dog called Juno']);
    expect(JSON.stringify(await p.exportData(people.accountsOf, day(2)))).not.toContain('Rex');
  });

  test('GIVEN "forget <topic>" THEN matching memories, superseded versions, summaries and vectors are gone from recall and export', async () => {
    const p = memory.forPerson(people.add());
    await p.write({ kind: 'fact', factKey: 'job.start', text: 'starts a new job on 3 March', provenance: prov('j1', day(0)) });
    await p.write({ kind: 'fact', factKey: 'job.start', text: 'starts a new job on 10 March', provenance: prov('j2', day(1)) });
    await p.write({ kind: 'summary', text: 'Talked about the new job and the commute.', provenance: prov('j3', day(2)) });
    await p.write({ kind: 'fact', factKey: 'cat.name', text: 'has a cat called Miso', provenance: prov('j4', day(3)) });
    const out = await p.forgetTopic('job');
    expect(out.deleted).toBe(3);
    expect((await p.recall('new job March commute', { k: 10 })).map((m) => m.text)).toEqual(['has a cat called Miso']);
    const exported = await p.exportData(people.accountsOf, day(4));
    expect(exported.memories.map((m) => m.text)).toEqual(['has a cat called Miso']);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from memories where person_id = ${p.personId}`.execute(store.db);
    expect(rows[0]!.n).toBe(1);
  });

  test('GIVEN "forget everything" THEN recall, export, summaries and cross-platform context are empty at once', async () => {
    const acct = { platform: 'slack', accountId: `u-${randomUUID().slice(0, 6)}` };
    const person = people.add(acct);
    const p = memory.forPerson(person);
    await say(store, 'slack', 'dm-x', acct, 'I have a dog called Juno', day(0));
    await consolidateConversation(memory, { personId: person, platform: 'slack', conversationId: 'dm-x' }, { accountsOf: people.accountsOf });
    await p.write({ kind: 'summary', text: 'They talked about Juno.', provenance: prov('s1', day(1)) });
    expect((await p.current()).length).toBeGreaterThan(0);
    await p.forgetAll(day(2));
    expect(await p.recall('Juno dog')).toEqual([]);
    const exported = await p.exportData(people.accountsOf, day(3));
    expect(exported.memories).toEqual([]);
    expect(exported.messages).toEqual([]);
    expect(await recentContext(store.db, person, { accountsOf: people.accountsOf })).toEqual([]);
    // Consolidation does not bring it back from the old log lines.
    await consolidateConversation(memory, { personId: person, platform: 'slack', conversationId: 'dm-x' }, { accountsOf: people.accountsOf });
    expect(await p.current()).toEqual([]);
  });

  test('GIVEN a person on two platforms THEN recent context brings their other conversation, not other people\'s lines', async () => {
    const web = { platform: 'web', accountId: `w-${randomUUID().slice(0, 6)}` };
    const discord = { platform: 'discord', accountId: `d-${randomUUID().slice(0, 6)}` };
    const person = people.add(web, discord);
    const conv = `g-${randomUUID().slice(0, 6)}`;
    await say(store, 'discord', conv, discord, 'My exam is on Friday, wish me luck', day(0));
    await say(store, 'discord', conv, 'helix', 'Good luck on Friday!', day(0.001));
    await say(store, 'discord', conv, { accountId: 'someone-else' }, 'my secret is 42', day(0.002));
    await say(store, 'web', 'w-conv', web, 'hello again', day(1));
    const ctx = await memory.forPerson(person).continuity(people.accountsOf).recentContext({ exceptConversation: { platform: 'web', conversationId: 'w-conv' } });
    expect(ctx).toEqual([{ platform: 'discord', conversationId: conv, at: day(0), said: 'My exam is on Friday, wish me luck', replied: 'Good luck on Friday!' }]);
  });

  test('GIVEN two people merged THEN memories move and the older fact of a shared key is superseded by the newer', async () => {
    const into = memory.forPerson(people.add());
    const from = memory.forPerson(people.add());
    await into.write({ kind: 'fact', factKey: 'home', text: 'lives in Lisbon', provenance: prov('r1', day(0)) });
    await from.write({ kind: 'fact', factKey: 'home', text: 'lives in Porto', provenance: prov('r2', day(5)) });
    await from.write({ kind: 'episodic', text: 'ran a half marathon', provenance: prov('r3', day(6)) });
    expect(await reassignMemories(store.db, from.personId, into.personId)).toEqual({ moved: 2 });
    expect((await into.current()).map((m) => m.text).sort()).toEqual(['lives in Porto', 'ran a half marathon']);
    expect((await into.factHistory('home')).map((m) => [m.text, m.validTo !== undefined])).toEqual([['lives in Lisbon', true], ['lives in Porto', false]]);
    expect(await from.current()).toEqual([]);
  });

  test.runIf(name.startsWith('PGlite'))('GIVEN an Ollama embedder THEN memories are stored with its vectors and a misspelt query is found by vector, not by text', async () => {
    await using fake = await startFakeEmbeddings();
    const remote = await MemoryStore.open({ store, embedder: new OllamaEmbedder({ baseUrl: fake.url, model: 'nomic-embed-text', dims: 384 }) });
    const p = remote.forPerson(people.add());
    await p.write({ kind: 'episodic', text: 'Pomegranate harvest festival', provenance: prov('v1', day(0)) });
    await p.write({ kind: 'episodic', text: 'xyz qqq', provenance: prov('v2', day(1)) });
    const got = await p.recall('pomegranat harvst festivl', { k: 1, recencyWeight: 0 });
    expect(got.map((m) => [m.text, m.via])).toEqual([['Pomegranate harvest festival', ['vector']]]);
    const { rows } = await sql<{ model: string }>`select embedding_model as model from memories where person_id = ${p.personId}`.execute(store.db);
    expect(rows.map((r) => r.model)).toEqual(['ollama:nomic-embed-text', 'ollama:nomic-embed-text']);
    // Vectors of another embedder are never compared with these.
    expect((await memory.forPerson(p.personId).recall('pomegranat harvst festivl', { k: 1, recencyWeight: 0 }))).toEqual([]);
  });

  test.runIf(name.startsWith('PGlite'))('GIVEN a person with no current memory THEN recall answers nothing without asking the embedder; once they have one, it does', async () => {
    await using fake = await startFakeEmbeddings();
    const remote = await MemoryStore.open({ store, embedder: new OllamaEmbedder({ baseUrl: fake.url, model: 'nomic-embed-text', dims: 384 }) });
    const p = remote.forPerson(people.add());
    expect(await p.recall('anything about my dog')).toEqual([]);
    expect(fake.requests).toHaveLength(0);
    await p.write({ kind: 'fact', factKey: 'dog.name', text: 'has a dog called Juno', provenance: prov('n1', day(0)) });
    await p.forgetLast();
    const embedded = fake.requests.length;
    expect(await p.recall('anything about my dog')).toEqual([]);
    expect(fake.requests).toHaveLength(embedded);
    await p.write({ kind: 'fact', factKey: 'dog.name', text: 'has a dog called Juno', provenance: prov('n2', day(1)) });
    expect((await p.recall('what is my dog called')).map((m) => m.text)).toEqual(['has a dog called Juno']);
    expect(fake.requests.length).toBe(embedded + 2); // the write, then the recall's query
  });

  test.runIf(name.startsWith('PGlite'))('GIVEN the embedder is down THEN the memory is stored without a vector and full text still recalls it', async () => {
    const { log, lines } = capturedLog();
    const broken = await MemoryStore.open({ store, embedder: new OllamaEmbedder({ baseUrl: 'http://127.0.0.1:9', model: 'nomic-embed-text', dims: 384, timeoutMs: 2_000 }), log });
    const p = broken.forPerson(people.add());
    await p.write({ kind: 'episodic', text: 'planted tomatoes on the balcony', provenance: prov('t1', day(0)) });
    expect((await p.recall('tomatoes')).map((m) => m.text)).toEqual(['planted tomatoes on the balcony']);
    expect(lines().some((l) => /stored without a vector/.test(String(l.msg)))).toBe(true);
  });
});
