// PGlite has no autovacuum: the store keeps the planner's statistics current itself, so the statements of every
// turn keep their good plans as the data grows (real PGlite, in memory).
import { CompiledQuery, sql, type Kysely } from 'kysely';
import { afterEach, describe, expect, test } from 'vitest';
import { pendingConsolidationQuery } from '../../../brain/memory/remember-turn.ts';
import { startAutoAnalyze } from '../../../store/pglite-analyze.ts';
import { openStore, type Database, type Store } from '../../../store/index.ts';

const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

async function open(): Promise<Store> {
  const store = await openStore({ dataDir: 'memory://' });
  stores.push(store);
  return store;
}

async function reltuples(db: Kysely<Database>, table: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`select reltuples::float8 as n from pg_class where relname = ${table}`.execute(db);
  return rows[0]!.n;
}

/** `n` messages of account `u1` in conversation `conv`, every other one a reply. */
async function write(db: Kysely<Database>, conv: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 500) {
    await db.insertInto('conversation_log').values(Array.from({ length: Math.min(500, n - i) }, (_, j) => ({
      platform: 'web', conversation_id: conv, event_id: `${conv}-${i + j}`, role: (j % 2 ? 'assistant' : 'user') as 'user' | 'assistant',
      author_account_id: j % 2 ? null : 'u1', author_name: 'Ada', text: `message ${i + j}`, at: new Date(), trace_id: null,
    }))).execute();
  }
}

describe('statistics on PGlite', () => {
  test('GIVEN near-empty tables THEN none is analyzed; GIVEN a table grown past that, and later by more than a tenth, THEN each check after the growth analyzes it, and a check right after analyzes nothing', async () => {
    const store = await open();
    const analyze = startAutoAnalyze(store.db, { checkMs: 3_600_000 });
    try {
      expect(await analyze.runOnce()).toEqual([]);
      expect(await reltuples(store.db, 'conversation_log')).toBeLessThan(0); // never analyzed
      await write(store.db, 'grown', 2_000);
      expect(await analyze.runOnce()).toEqual(['conversation_log']);
      expect(await reltuples(store.db, 'conversation_log')).toBe(2_000);
      expect(await analyze.runOnce()).toEqual([]);
      await write(store.db, 'grown-more', 100);
      expect(await analyze.runOnce()).toEqual([]); // grown by less than a tenth
      await write(store.db, 'grown-again', 1_000);
      expect(await analyze.runOnce()).toEqual(['conversation_log']);
      expect(await reltuples(store.db, 'conversation_log')).toBe(3_100);
    } finally {
      await analyze.stop();
    }
  });

  test('GIVEN a person with thousands of messages in other conversations THEN the count run after every turn reads only their messages since the last consolidation, not all they ever wrote', async () => {
    const store = await open();
    await write(store.db, 'years-of-other-chats', 10_000);
    await write(store.db, 'this-chat', 200);
    const personId = '00000000-0000-4000-8000-000000000001';
    await sql`insert into memory_consolidation_marks (person_id, platform, conversation_id, last_log_id, at)
      select ${personId}, 'web', 'this-chat', max(id) - 20, now() from conversation_log where conversation_id = 'this-chat'`.execute(store.db);
    const analyze = startAutoAnalyze(store.db, { checkMs: 3_600_000 });
    await analyze.runOnce();
    await analyze.stop();

    const count = pendingConsolidationQuery(personId, 'web', 'this-chat', ['u1']);
    expect((await count.execute(store.db)).rows[0]!.n).toBe(10);
    const compiled = count.compile(store.db);
    const { rows } = await store.db.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`explain ${compiled.sql}`, [...compiled.parameters]));
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).toContain('conversation_log_user_since');
    expect(plan).not.toContain('conversation_log_author');
  });
});
