import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, test } from 'vitest';
import { sql } from 'kysely';
import { ConversationLog, openStore, type OpenStoreOptions, type Store } from '../../../store/index.ts';
import { autoCacheMB, relationBytes } from '../../../store/pglite-settings.ts';
import { People } from '../../../identity/index.ts';
import { MemoryStore, rememberMessage } from '../../../brain/memory/index.ts';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schemas: string[] = [];
afterAll(async () => {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  for (const s of schemas) await client.query(`drop schema if exists "${s}" cascade`);
  await client.end();
});

const backends: Array<[string, () => OpenStoreOptions]> = [
  ['PGlite in memory', () => ({ dataDir: 'memory://' })],
  ['PostgreSQL', () => {
    const schema = `t_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    schemas.push(schema);
    return { databaseUrl: PG_URL, dataDir: 'unused', schema };
  }],
];

const entry = (eventId: string, at: number, role: 'user' | 'assistant' = 'user', text = `text ${eventId}`) => ({
  platform: 'web', conversationId: 'c1', eventId, role, authorName: role === 'user' ? 'Ada' : 'Helix', text, at: new Date(at),
});

describe.each(backends)('store on %s', (_name, options) => {
  async function open(): Promise<Store> {
    return openStore(options());
  }

  test('GIVEN a fresh database THEN migrations apply and ping answers', async () => {
    await using store = await open();
    await store.ping();
    const tables = await store.db.introspection.getTables();
    expect(tables.map((t) => t.name)).toContain('conversation_log');
  });

  test('GIVEN entries THEN recent returns the newest N oldest-first', async () => {
    await using store = await open();
    const log = new ConversationLog(store.db);
    await log.append([entry('e1', 1_000), entry('e2', 2_000), entry('r1', 3_000, 'assistant')]);
    await log.append([entry('e3', 4_000)]);
    await log.append([{ ...entry('other', 5_000), conversationId: 'c2' }]);
    const recent = await log.recent('web', 'c1', 3);
    expect(recent.map((e) => e.eventId)).toEqual(['e2', 'r1', 'e3']);
    expect(recent[1]).toMatchObject({ role: 'assistant', authorName: 'Helix', text: 'text r1' });
    expect(recent[0]!.at.getTime()).toBe(2_000);
    expect(await log.recent('web', 'c1', 0)).toEqual([]);
  });

  test('GIVEN the same event appended twice THEN it is stored once and the first text wins', async () => {
    await using store = await open();
    const log = new ConversationLog(store.db);
    await log.append([entry('e1', 1_000, 'user', 'first')]);
    await log.append([entry('e1', 1_000, 'user', 'second'), entry('e2', 2_000)]);
    const recent = await log.recent('web', 'c1', 10);
    expect(recent.map((e) => [e.eventId, e.text])).toEqual([['e1', 'first'], ['e2', 'text e2']]);
  });

  test('GIVEN appends made at once, one of them repeating another\'s event THEN each entry is stored once and every author\'s conversations are kept', async () => {
    await using store = await open();
    const log = new ConversationLog(store.db);
    const ada = (eventId: string, at: number, conversationId: string) => ({ ...entry(eventId, at), conversationId, authorAccountId: 'ada' });
    // The first goes alone; the rest, the repeated event included, go as one statement.
    await Promise.all([
      log.append([ada('e4', 4_000, 'c3')]),
      log.append([ada('e1', 1_000, 'c1')]),
      log.append([ada('e2', 2_000, 'c2'), entry('r2', 2_500, 'assistant')]),
      log.append([ada('e3', 3_000, 'c2')]),
      log.append([ada('e1', 1_000, 'c1')]),
    ]);
    const { rows } = await sql<{ conversation_id: string; event_id: string }>`select conversation_id, event_id from conversation_log order by at, id`.execute(store.db);
    expect(rows.map((r) => `${r.conversation_id}/${r.event_id}`)).toEqual(['c1/e1', 'c2/e2', 'c1/r2', 'c2/e3', 'c3/e4']);
    const spoke = await sql<{ conversation_id: string; last_at: Date | string }>`select conversation_id, last_at from account_conversations where account_id = 'ada' order by conversation_id`.execute(store.db);
    expect(spoke.rows.map((r) => [r.conversation_id, new Date(r.last_at).getTime()])).toEqual([['c1', 1_000], ['c2', 3_000], ['c3', 4_000]]);
  });

  test('GIVEN appendAndRecent THEN the entries are stored and the history read is the conversation before them', async () => {
    await using store = await open();
    const log = new ConversationLog(store.db);
    await log.append([entry('e1', 1_000), entry('r1', 2_000, 'assistant')]);
    await log.append([{ ...entry('elsewhere', 2_500), conversationId: 'c2' }]);
    const { entries: before } = await log.appendAndRecent('web', 'c1', [entry('e2', 3_000), entry('e3', 4_000)], 10);
    expect(before.map((e) => e.eventId)).toEqual(['e1', 'r1']);
    expect(before[1]).toMatchObject({ role: 'assistant', authorName: 'Helix', at: new Date(2_000) });
    expect((await log.recent('web', 'c1', 10)).map((e) => e.eventId)).toEqual(['e1', 'r1', 'e2', 'e3']);
  });

  test('GIVEN authors with and without memories THEN appendAndRecent names those whose person holds none (no person yet counts as none)', async () => {
    await using store = await open();
    const log = new ConversationLog(store.db);
    const people = new People(store.db);
    const memory = await MemoryStore.open({ store });
    const ada = await people.resolveOrCreate({ platform: 'web', accountId: 'ada', displayName: 'Ada' });
    await people.resolveOrCreate({ platform: 'web', accountId: 'bo', displayName: 'Bo' });
    await rememberMessage(memory.forPerson(ada.person), 'My cat is called Miso.', { platform: 'web', conversationId: 'c1', eventId: 'e0', at: new Date(500) });
    const by = (eventId: string, authorAccountId: string) => ({ ...entry(eventId, 1_000), authorAccountId });
    const read = await log.appendAndRecent('web', 'c1', [by('e1', 'ada'), by('e2', 'bo'), by('e3', 'new-cy')], 10);
    expect(read.authorsWithoutMemories.sort()).toEqual(['bo', 'new-cy']);
  });

  test('GIVEN appendAndRecent retried with the same entries THEN nothing is stored twice and the retry reads them back', async () => {
    await using store = await open();
    const log = new ConversationLog(store.db);
    await log.appendAndRecent('web', 'c1', [entry('e1', 1_000)], 5);
    const { entries: retry } = await log.appendAndRecent('web', 'c1', [entry('e1', 1_000, 'user', 'changed')], 5);
    expect(retry.map((e) => [e.eventId, e.text])).toEqual([['e1', 'text e1']]);
    expect(await log.recent('web', 'c1', 5)).toHaveLength(1);
  });

  test('GIVEN appendAndRecent with a limit THEN only the newest entries before the write are read', async () => {
    await using store = await open();
    const log = new ConversationLog(store.db);
    await log.append([entry('e1', 1_000), entry('e2', 2_000), entry('e3', 3_000)]);
    expect((await log.appendAndRecent('web', 'c1', [entry('e4', 4_000)], 2)).entries.map((e) => e.eventId)).toEqual(['e2', 'e3']);
    expect((await log.appendAndRecent('web', 'c1', [entry('e5', 5_000)], 0)).entries).toEqual([]);
    expect((await log.recent('web', 'c1', 10)).map((e) => e.eventId)).toEqual(['e1', 'e2', 'e3', 'e4', 'e5']);
  });

  test('GIVEN appendAndRecent with an entry of another conversation THEN it refuses and writes nothing', async () => {
    await using store = await open();
    const log = new ConversationLog(store.db);
    await expect(log.appendAndRecent('web', 'c1', [entry('e1', 1_000), { ...entry('x', 1_000), conversationId: 'c2' }], 5)).rejects.toThrow(/every entry must belong/);
    expect(await log.recent('web', 'c1', 5)).toEqual([]);
  });

  test('GIVEN unicode and 40,000 characters THEN the text round-trips exactly', async () => {
    await using store = await open();
    const log = new ConversationLog(store.db);
    const text = `héllo 👋 ${'漢字'.repeat(19_995)}`;
    await log.append([entry('big', 1_000, 'user', text)]);
    expect((await log.recent('web', 'c1', 1))[0]!.text).toBe(text);
  });

  test('GIVEN close called twice THEN both resolve', async () => {
    const store = await open();
    await store.close();
    await expect(store.close()).resolves.toBeUndefined();
  });
});

describe('store persistence and failures', () => {
  test('GIVEN a PGlite directory WHEN reopened THEN data survives and migrations re-run cleanly', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'helix-pglite-'));
    {
      await using store = await openStore({ dataDir });
      await new ConversationLog(store.db).append([entry('kept', 1_000)]);
    }
    await using again = await openStore({ dataDir });
    expect((await new ConversationLog(again.db).recent('web', 'c1', 5)).map((e) => e.eventId)).toEqual(['kept']);
  });

  test('GIVEN a PGlite directory that grew WHEN reopened THEN its page cache is sized from its data, unless store.cacheMb says otherwise', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'helix-pglite-'));
    const sharedBuffers = async (store: Store) => (await sql<{ shared_buffers: string }>`show shared_buffers`.execute(store.db)).rows[0]!.shared_buffers;
    {
      await using store = await openStore({ dataDir });
      expect(await sharedBuffers(store)).toBe('16MB');
      // ~48 MB of incompressible rows: half of the data is more than the floor.
      await sql`create table filler as select i, (select string_agg(md5(random()::text || i || j), '') from generate_series(1, 32) j) as pad from generate_series(1, 48000) i`.execute(store.db);
    }
    const bytes = relationBytes(dataDir);
    expect(bytes).toBeGreaterThan(48 * 1024 * 1024);
    {
      await using grown = await openStore({ dataDir });
      expect(await sharedBuffers(grown)).toBe(`${autoCacheMB(bytes)}MB`);
      expect(autoCacheMB(bytes)).toBeGreaterThan(16);
    }
    await using fixed = await openStore({ dataDir, cacheMb: 24 });
    expect(await sharedBuffers(fixed)).toBe('24MB');
  });

  test('GIVEN PostgreSQL unreachable THEN store_unavailable names host and db but never the password', async () => {
    const started = Date.now();
    const err = await openStore({ databaseUrl: 'postgres://helix:hunter2@127.0.0.1:1/helix', dataDir: 'unused' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'store_unavailable' });
    expect((err as Error).message).toContain('127.0.0.1:1/helix');
    expect((err as Error).message).not.toContain('hunter2');
    expect(Date.now() - started).toBeLessThan(6_000);
  });

  test('GIVEN this machine\'s PostgreSQL without pgvector THEN vectorAvailable says false instead of failing', async () => {
    const schema = `t_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    schemas.push(schema);
    await using store = await openStore({ databaseUrl: PG_URL, dataDir: 'unused', schema });
    const installed = await store.db.selectFrom('pg_available_extensions' as never).select('name' as never).where('name' as never, '=', 'vector' as never).execute();
    expect(await store.vectorAvailable()).toBe(installed.length > 0);
  });
});
