import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** Dimensions of the stored embedding (`vector(384)`); embedders are asked for, or cut to, this size. */
export const MEMORY_EMBEDDING_DIMS = 384;

/**
 * Adds the `embedding vector(384)` column and its HNSW index when pgvector can be created; a no-op otherwise.
 * Runs inside a migration's transaction, so the attempt is a PL/pgSQL block: its exception handler is a
 * subtransaction, and a missing extension leaves the migration's transaction usable. Idempotent: the
 * memory library calls it again at start, so installing pgvector later turns vector recall on.
 * @returns whether the column exists afterwards.
 */
export async function ensureMemoryVectors(db: Kysely<unknown>): Promise<boolean> {
  // Already there (every start after the first): answer without taking the table's lock.
  const present = await sql<{ ok: boolean }>`select exists (select 1 from pg_attribute where attrelid = 'memories'::regclass and attname = 'embedding' and not attisdropped) as ok`.execute(db);
  if (present.rows[0]?.ok) return true;
  await sql`do $$ begin create extension if not exists vector; exception when others then raise notice 'pgvector unavailable: %', sqlerrm; end $$`.execute(db);
  const { rows } = await sql<{ ok: boolean }>`select exists (select 1 from pg_extension where extname = 'vector') as ok`.execute(db);
  if (!rows[0]?.ok) return false;
  await sql.raw(`alter table memories add column if not exists embedding vector(${MEMORY_EMBEDDING_DIMS})`).execute(db);
  await sql`create index if not exists memories_embedding_hnsw on memories using hnsw (embedding vector_cosine_ops)`.execute(db);
  return true;
}

/** Long-term memory: per-person episodic notes, facts (superseded, never deleted silently) and summaries. */
export const memories: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('memories')
      .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
      .addColumn('person_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('episodic', 'fact', 'summary')`))
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('fact_key', 'text')
      .addColumn('valid_from', 'timestamptz', (c) => c.notNull())
      .addColumn('valid_to', 'timestamptz')
      .addColumn('superseded_by', 'bigint')
      .addColumn('platform', 'text')
      .addColumn('conversation_id', 'text')
      .addColumn('event_id', 'text')
      .addColumn('at', 'timestamptz', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('dedupe_key', 'text', (c) => c.notNull())
      .addColumn('embedding_model', 'text')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('tsv', sql`tsvector`, (c) => c.generatedAlwaysAs(sql`to_tsvector('english', text)`).stored())
      .addUniqueConstraint('memories_dedupe', ['person_id', 'dedupe_key'])
      .execute();
    // Recall reads only a person's current memories: every index leads with person_id.
    await sql`create index memories_person_current on memories (person_id, valid_from desc) where valid_to is null`.execute(db);
    await sql`create index memories_person_fact on memories (person_id, fact_key) where valid_to is null and kind = 'fact'`.execute(db);
    await sql`create index memories_tsv on memories using gin (tsv)`.execute(db);
    await db.schema
      .createTable('memory_person_state')
      .addColumn('person_id', 'text', (c) => c.primaryKey())
      .addColumn('forgot_all_at', 'timestamptz')
      .execute();
    await db.schema
      .createTable('memory_consolidation_marks')
      .addColumn('person_id', 'text', (c) => c.notNull())
      .addColumn('platform', 'text', (c) => c.notNull())
      .addColumn('conversation_id', 'text', (c) => c.notNull())
      .addColumn('last_log_id', 'bigint', (c) => c.notNull())
      .addColumn('at', 'timestamptz', (c) => c.notNull())
      .addPrimaryKeyConstraint('memory_consolidation_marks_pk', ['person_id', 'platform', 'conversation_id'])
      .execute();
    // Cross-platform context reads a person's own lines of the conversation log by author.
    await sql`create index conversation_log_author on conversation_log (platform, author_account_id, at) where role = 'user'`.execute(db);
    await ensureMemoryVectors(db);
  },
  async down(db: Kysely<unknown>) {
    await sql`drop index if exists conversation_log_author`.execute(db);
    for (const t of ['memory_consolidation_marks', 'memory_person_state', 'memories']) await db.schema.dropTable(t).execute();
  },
};
