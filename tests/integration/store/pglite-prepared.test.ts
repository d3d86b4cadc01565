import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { PGLITE_SETTINGS } from '../../../store/pglite-settings.ts';
import { PgliteStatements, PLAN_PER_CALL } from '../../../store/pglite-prepared.ts';
import { pgliteTemplate } from '../../../store/pglite-template.ts';
import { openStore, type Store } from '../../../store/index.ts';

/** A migrated in-memory PGlite, as the store opens it. */
async function freshPglite(): Promise<PGlite> {
  const template = await pgliteTemplate();
  return PGlite.create('memory://', { postgresqlconf: PGLITE_SETTINGS, extensions: { vector }, ...(template ? { loadDataDir: new Blob([readFileSync(template)]) } : {}) });
}

const protocolStatements = async (pglite: PGlite) => (await pglite.query<{ n: number }>(`select count(*)::int as n from pg_prepared_statements where not from_sql`)).rows[0]!.n;

describe('PGlite prepared statements', () => {
  let pglite: PGlite;
  beforeEach(async () => {
    pglite = await freshPglite();
    await pglite.exec(`create table t (id bigint generated always as identity primary key, at timestamptz not null, doc jsonb, note text, ok boolean, n integer unique)`);
  });
  afterEach(async () => {
    await pglite.close();
  });

  test('GIVEN typed parameters THEN the answer equals PGlite query and the statement is prepared once', async () => {
    const statements = new PgliteStatements(pglite);
    const insert = `insert into t (at, doc, note, ok, n) values ($1, $2, $3, $4, $5) returning id, at, doc, note, ok, n`;
    const at = new Date('2026-03-03T10:20:30.123Z');
    const viaPrepared = await statements.query(insert, [at, { dog: 'Juno', tags: ['a'] }, null, true, 7], undefined);
    const viaQuery = await pglite.query(insert, [at, { dog: 'Juno', tags: ['a'] }, null, true, 8], { rowMode: 'object' });
    expect({ ...viaPrepared.rows[0], id: undefined, n: undefined }).toEqual({ ...viaQuery.rows[0] as object, id: undefined, n: undefined });
    expect(viaPrepared.rows[0]).toMatchObject({ at, doc: { dog: 'Juno', tags: ['a'] }, note: null, ok: true, n: 7 });
    expect(viaPrepared.affectedRows).toBe(1);
    const select = `select n from t where at = $1 and ok = $2 order by n`;
    for (let i = 0; i < 7; i++) expect((await statements.query(select, [at, true], undefined)).rows).toEqual([{ n: 7 }, { n: 8 }]);
    expect(statements.size).toBe(2);
    expect(await protocolStatements(pglite)).toBe(2);
  });

  test('GIVEN multi-byte text, an empty string and bytes THEN they reach the table intact', async () => {
    const statements = new PgliteStatements(pglite);
    await pglite.exec(`create table b (note text not null, raw bytea)`);
    const note = 'héllo 👋 — 你好';
    await statements.query(`insert into b (note, raw) values ($1, $2), ($3, null)`, [note, new Uint8Array([0, 1, 254, 255]), ''], undefined);
    const { rows } = await pglite.query<{ note: string; raw: Uint8Array | null; chars: number }>(`select note, raw, char_length(note) as chars from b order by note desc`);
    expect(rows.map((r) => ({ ...r, raw: r.raw && [...r.raw] }))).toEqual([
      { note, raw: [0, 1, 254, 255], chars: [...note].length },
      { note: '', raw: null, chars: 0 },
    ]);
  });

  test('GIVEN a statement marked PLAN_PER_CALL THEN it is never run from a cached generic plan, and answers as the plain one does', async () => {
    const statements = new PgliteStatements(pglite);
    for (let n = 1; n <= 20; n++) await statements.query(`insert into t (at, n) values ($1, $2)`, [new Date(n * 1000), n], undefined);
    const plain = `select n from t where n > $1 order by n limit 3`;
    const perCall = `${PLAN_PER_CALL}${plain}`;
    for (let i = 0; i < 8; i++) {
      expect((await statements.query(plain, [i], undefined)).rows).toEqual([{ n: i + 1 }, { n: i + 2 }, { n: i + 3 }]);
      expect((await statements.query(perCall, [i], undefined)).rows).toEqual([{ n: i + 1 }, { n: i + 2 }, { n: i + 3 }]);
    }
    const plans = async (text: string) => (await pglite.query<{ generic: number; custom: number }>(`select generic_plans::int as generic, custom_plans::int as custom from pg_prepared_statements where statement = $1`, [text])).rows[0];
    // PostgreSQL switches a prepared statement to its generic plan after five custom ones.
    expect((await plans(plain))!.generic).toBeGreaterThan(0);
    expect(await plans(perCall)).toEqual({ generic: 0, custom: 0 }); // prepared only to learn the parameter types
  });

  test('GIVEN more distinct statements than the cache holds THEN the least recently used are closed and each still answers', async () => {
    const statements = new PgliteStatements(pglite, 3);
    for (let i = 0; i < 6; i++) expect((await statements.query(`select ${i}::int + $1::int as v`, [1], undefined)).rows).toEqual([{ v: i + 1 }]);
    expect(statements.size).toBe(3);
    expect(await protocolStatements(pglite)).toBe(3);
    expect((await statements.query(`select 0::int + $1::int as v`, [41], undefined)).rows).toEqual([{ v: 41 }]);
  });

  test('GIVEN the table changes shape after a statement was prepared THEN the statement is prepared afresh and answers', async () => {
    const statements = new PgliteStatements(pglite);
    await statements.query(`insert into t (at, n) values ($1, $2)`, [new Date(0), 1], undefined);
    const all = `select * from t where n = $1`;
    expect(Object.keys((await statements.query(all, [1], undefined)).rows[0]!)).not.toContain('extra');
    await pglite.exec(`alter table t add column extra text default 'x'`);
    expect((await statements.query(all, [1], undefined)).rows[0]).toMatchObject({ n: 1, extra: 'x' });
  });

  test('GIVEN a unique violation THEN the error carries its SQLSTATE and later statements run', async () => {
    const statements = new PgliteStatements(pglite);
    const insert = `insert into t (at, n) values ($1, $2)`;
    await statements.query(insert, [new Date(0), 1], undefined);
    await expect(statements.query(insert, [new Date(0), 1], undefined)).rejects.toMatchObject({ code: '23505' });
    await statements.query(insert, [new Date(0), 2], undefined);
    expect((await pglite.query(`select count(*)::int as c from t`)).rows).toEqual([{ c: 2 }]);
  });

  test('GIVEN statements issued together outside a transaction THEN they commit as one group, in order, each with its own answer', async () => {
    const statements = new PgliteStatements(pglite);
    const insert = `insert into t (at, n) values ($1, $2) returning n, txid_current()::text as tx`;
    const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => statements.query(insert, [new Date(n), n], undefined)));
    expect(answers.map((a) => a.rows[0]!.n)).toEqual([1, 2, 3, 4, 5]);
    expect(answers.every((a) => a.affectedRows === 1)).toBe(true);
    // One Sync for the five: one transaction id.
    expect(new Set(answers.map((a) => a.rows[0]!.tx)).size).toBe(1);
    expect((await pglite.query<{ n: number }>(`select n from t order by id`)).rows.map((r) => r.n)).toEqual([1, 2, 3, 4, 5]);
  });

  test('GIVEN a backlog larger than a group THEN it commits in several groups, still in arrival order', async () => {
    const statements = new PgliteStatements(pglite, undefined, 2);
    const insert = `insert into t (at, n) values ($1, $2) returning txid_current()::text as tx`;
    const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => statements.query(insert, [new Date(n), n], undefined)));
    expect(new Set(answers.map((a) => a.rows[0]!.tx)).size).toBe(3);
    expect((await pglite.query<{ n: number }>(`select n from t order by id`)).rows.map((r) => r.n)).toEqual([1, 2, 3, 4, 5]);
  });

  test('GIVEN one statement of a group fails THEN it alone rejects with its SQLSTATE, and every other statement commits exactly once', async () => {
    const statements = new PgliteStatements(pglite);
    await pglite.exec(`create table notes (id bigint generated always as identity primary key, note text)`);
    await statements.query(`insert into t (at, n) values ($1, $2)`, [new Date(0), 1], undefined);
    const note = (text: string) => statements.query(`insert into notes (note) values ($1) returning note`, [text], undefined);
    const settled = await Promise.allSettled([
      note('before'),
      statements.query(`insert into t (at, n) values ($1, $2)`, [new Date(0), 1], undefined), // duplicate n
      note('after'),
      statements.query(`select n from t where n = $1`, [1], undefined),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({ code: '23505' });
    expect((settled[0] as PromiseFulfilledResult<{ rows: unknown[] }>).value.rows).toEqual([{ note: 'before' }]);
    expect((settled[3] as PromiseFulfilledResult<{ rows: unknown[] }>).value.rows).toEqual([{ n: 1 }]);
    expect((await pglite.query(`select note from notes order by id`)).rows).toEqual([{ note: 'before' }, { note: 'after' }]);
  });

  test('GIVEN a group holding a statement that cannot be prepared THEN that one rejects and the rest commit', async () => {
    const statements = new PgliteStatements(pglite);
    const settled = await Promise.allSettled([
      statements.query(`insert into t (at, n) values ($1, $2)`, [new Date(0), 1], undefined),
      statements.query(`select nope from t where n = $1`, [1], undefined),
      statements.query(`insert into t (at, n) values ($1, $2)`, [new Date(0), 2], undefined),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({ code: '42703' });
    expect((await pglite.query(`select count(*)::int as c from t`)).rows).toEqual([{ c: 2 }]);
  });
});

describe('store on PGlite (prepared statements through Kysely)', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openStore({ dataDir: 'memory://' });
    await sql`create table t (id int primary key, v text)`.execute(store.db);
  });
  afterEach(async () => {
    await store.close();
  });

  test('GIVEN a transaction that rolls back after preparing statements THEN its writes are gone and the statements run afterwards', async () => {
    const insert = (db: typeof store.db, id: number) => sql`insert into t (id, v) values (${id}, ${`v${id}`})`.execute(db);
    const count = async () => (await sql<{ c: number }>`select count(*)::int as c from t where id > ${0}`.execute(store.db)).rows[0]!.c;
    await expect(
      store.db.transaction().execute(async (trx) => {
        await insert(trx, 1);
        expect((await sql<{ c: number }>`select count(*)::int as c from t where id > ${0}`.execute(trx)).rows[0]!.c).toBe(1);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await count()).toBe(0);
    await insert(store.db, 2);
    expect(await count()).toBe(1);
  });

  test('GIVEN a failing statement inside a transaction THEN the transaction rolls back with the SQLSTATE and the store keeps working', async () => {
    await sql`insert into t (id, v) values (${1}, ${'a'})`.execute(store.db);
    await expect(
      store.db.transaction().execute(async (trx) => {
        await sql`insert into t (id, v) values (${2}, ${'b'})`.execute(trx);
        await sql`insert into t (id, v) values (${1}, ${'dup'})`.execute(trx);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect((await sql<{ id: number }>`select id from t order by id`.execute(store.db)).rows).toEqual([{ id: 1 }]);
  });

  test('GIVEN queries from several callers at once THEN Kysely does not queue them one by one: they reach PGlite together and commit as one group', async () => {
    const txOf = (i: number) => sql<{ tx: string; i: number }>`select txid_current()::text as tx, ${i}::int as i`.execute(store.db);
    const answers = await Promise.all([1, 2, 3, 4].map(txOf));
    expect(answers.map((a) => a.rows[0]!.i)).toEqual([1, 2, 3, 4]);
    expect(new Set(answers.map((a) => a.rows[0]!.tx)).size).toBe(1);
  });

  test('GIVEN two transactions at once THEN they run one after the other, each seeing only its own writes until it commits', async () => {
    const run = (id: number) =>
      store.db.transaction().execute(async (trx) => {
        await sql`insert into t (id, v) values (${id}, ${'tx'})`.execute(trx);
        await new Promise((r) => setTimeout(r, 20));
        return (await sql<{ ids: number[] }>`select array_agg(id order by id) as ids from t`.execute(trx)).rows[0]!.ids;
      });
    const [first, second] = await Promise.all([run(1), run(2)]);
    expect(first).toEqual([1]);
    expect(second).toEqual([1, 2]);
  });

  test('GIVEN a query issued while a transaction is open THEN it waits and is not part of the transaction', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const tx = store.db.transaction().execute(async (trx) => {
      await sql`insert into t (id, v) values (${1}, ${'in tx'})`.execute(trx);
      await held;
      throw new Error('roll back');
    });
    await new Promise((r) => setTimeout(r, 20));
    const outside = sql`insert into t (id, v) values (${2}, ${'outside'})`.execute(store.db);
    release();
    await expect(tx).rejects.toThrow('roll back');
    await outside;
    expect((await sql<{ id: number }>`select id from t order by id`.execute(store.db)).rows).toEqual([{ id: 2 }]);
  });
});
