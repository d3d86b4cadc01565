import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { ensureMemoryVectors } from './0004-memories.ts';

/** The HNSW index over `memories.embedding`. */
export const MEMORY_VECTOR_INDEX = 'memories_embedding_hnsw';

/**
 * HNSW build parameters. pgvector's default `ef_construction` (64) left the graph of 100k generated memories at
 * recall@10 0.94–0.96 against exact search with `ef_search` 100 (it varies from build to build); 128 gives
 * 0.97–0.98 at the same `ef_search`, and ≥ 0.95 with a smaller one (fewer pages read per recall, see
 * `memory.efSearch`). The price is paid once, at build: about 1.6× longer, and a little per insert.
 * @see https://github.com/pgvector/pgvector#index-options
 */
export const MEMORY_HNSW_OPTIONS = { m: 16, ef_construction: 128 } as const;

/** Creates the HNSW cosine index over `memories.embedding` with {@link MEMORY_HNSW_OPTIONS}, if missing. */
export async function createMemoryVectorIndex(db: Kysely<unknown>): Promise<void> {
  const { m, ef_construction } = MEMORY_HNSW_OPTIONS;
  await sql`create index if not exists ${sql.id(MEMORY_VECTOR_INDEX)} on memories using hnsw (embedding vector_cosine_ops) with (m = ${sql.lit(m)}, ef_construction = ${sql.lit(ef_construction)})`.execute(db);
}

/** True when `memories.embedding` exists (pgvector installed). */
async function hasVectors(db: Kysely<unknown>): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`select exists (select 1 from pg_attribute where attrelid = 'memories'::regclass and attname = 'embedding' and not attisdropped) as ok`.execute(db);
  return rows[0]?.ok ?? false;
}

/**
 * 0004's {@link ensureMemoryVectors} (adds the column when pgvector became available after the migrations),
 * with the index built as this migration builds it. What the memory library calls at start.
 * @returns whether the column exists afterwards.
 */
export async function ensureMemoryVectorIndex(db: Kysely<unknown>): Promise<boolean> {
  if (await hasVectors(db)) return true;
  if (!(await ensureMemoryVectors(db))) return false;
  // The column is new (every vector null): its index, made with pgvector's defaults, is empty and cheap to replace.
  await sql`drop index if exists ${sql.id(MEMORY_VECTOR_INDEX)}`.execute(db);
  await createMemoryVectorIndex(db);
  return true;
}

/** Stores of at most this many vectors rebuild their index in the migration (seconds on PGlite). */
const REBUILD_AT_MOST = 10_000;

/**
 * Builds the memory vector index with {@link MEMORY_HNSW_OPTIONS} (PGlite, and PostgreSQL with pgvector; without
 * pgvector there is no index). A new or small store rebuilds it at once; a large one sets `ef_construction` on
 * its index (inserts use it from now on) and keeps its graph, so that a start is never held up for minutes;
 * `REINDEX INDEX memories_embedding_hnsw` rebuilds it with the new options when convenient.
 */
export const memoryHnswBuild: Migration = {
  async up(db: Kysely<unknown>) {
    if (!(await hasVectors(db))) return;
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from (select 1 from memories where embedding is not null limit ${REBUILD_AT_MOST + 1}) v`.execute(db);
    if ((rows[0]?.n ?? 0) > REBUILD_AT_MOST) {
      // ef_construction only: m shapes the graph already on disk.
      await sql`alter index if exists ${sql.id(MEMORY_VECTOR_INDEX)} set (ef_construction = ${sql.lit(MEMORY_HNSW_OPTIONS.ef_construction)})`.execute(db);
      return;
    }
    await sql`drop index if exists ${sql.id(MEMORY_VECTOR_INDEX)}`.execute(db);
    await createMemoryVectorIndex(db);
  },
  async down(db: Kysely<unknown>) {
    if (!(await hasVectors(db))) return;
    await sql`drop index if exists ${sql.id(MEMORY_VECTOR_INDEX)}`.execute(db);
    await sql`create index if not exists ${sql.id(MEMORY_VECTOR_INDEX)} on memories using hnsw (embedding vector_cosine_ops)`.execute(db);
  },
};
