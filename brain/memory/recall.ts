import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { PersonId } from '../../identity/index.ts';
import { PLAN_PER_CALL, type Database } from '../../store/index.ts';
import { tokenize } from './embedders/local-hash.ts';
import { reciprocalRankFusion, RRF_K } from './fusion.ts';
import { MEMORY_COLUMNS, toMemory, vectorLiteral, type MemoryRow } from './memory-rows.ts';
import type { MemoryDeps, RecalledMemory } from './memory-types.ts';

/** Full-text matches ranked per recall (newest first); facts are always ranked. */
const FTS_WINDOW = 200;
/**
 * With vectors, full text looks only at the person's newest this-many current memories (every current fact is
 * still searched), and older episodes are reached by vector similarity. An any-word query matches a large share
 * of a long history: on PGlite at 100k memories, checking every match took 70–150 ms a recall, this about 6 ms.
 * Without vectors (PostgreSQL lacking pgvector) full text is the only way back, so it searches everything.
 */
const FTS_SCAN_WITH_VECTORS = 2_000;

/** How one recall runs. */
export interface RecallOptions {
  /** Memories returned. @defaultValue `memory.recallK` */
  k?: number;
  /** Weight of the recency list in fusion (full text and vector count 1). @defaultValue `0.3` */
  recencyWeight?: number;
  /** Extra weight of full-text hits on facts. @defaultValue `1` */
  factWeight?: number;
  /** Skip the vector retriever (benchmarks compare). @defaultValue `false` */
  noVector?: boolean;
  /** Exact (sequential) vector search instead of the HNSW index (benchmarks compare). @defaultValue `false` */
  exactVector?: boolean;
  signal?: AbortSignal;
}

type FusedRow = MemoryRow & { score: number; by_text: boolean; by_vector: boolean; by_recent: boolean };

/**
 * Hybrid recall of one person's current memories: full-text search (websearch_to_tsquery, any query word),
 * vector similarity (pgvector HNSW, when stored) and recency, fused by reciprocal rank fusion. Every
 * statement is filtered by `person_id`; superseded facts (valid_to set) are never returned.
 *
 * First, one light statement ranks the person's newest `n` memories (full-text match and rank, and, when the
 * embedder is local so that embedding first costs nothing, vector distance; no text). A person with fewer than
 * `n` memories (every new person, and most people for a long while) has them all in hand: the lists are ranked
 * with exact distances and fused here ({@link reciprocalRankFusion}), and the top k rows read. A person with
 * more gets one statement that searches, fuses (the same arithmetic and tie order, in SQL) and reads the top k
 * rows. Two statements either way (a remote embedder adds one for a small person's distances); PGlite runs one
 * statement at a time, so each round trip saved is latency saved, and only the rows needed leave the database.
 */
export async function recallMemories(deps: MemoryDeps, personId: PersonId, query: string, opts: RecallOptions = {}): Promise<RecalledMemory[]> {
  const k = opts.k ?? deps.options.recallK;
  const n = Math.max(k, deps.options.candidates);
  if (k <= 0) return [];
  const withVectors = deps.vectors && !opts.noVector;
  const words = anyWordQuery(query);
  const model = deps.embedder.id;
  let vector = withVectors && deps.embedder.local ? await queryVector(deps, query, opts.signal) : undefined;
  const newest = await newestMemories(deps.db, personId, n, words, vector === undefined ? undefined : { literal: vectorLiteral(vector), model });
  if (newest.length === 0) return [];
  if (newest.length < n) {
    if (withVectors && vector === undefined) {
      vector = await queryVector(deps, query, opts.signal);
      const d = vector && (await distances(deps.db, newest.map((r) => r.id), { literal: vectorLiteral(vector), model }));
      for (const r of newest) r.d = d?.get(r.id) ?? null;
    }
    return fuseAll(deps.db, personId, newest, k, opts);
  }
  if (withVectors && vector === undefined) vector = await queryVector(deps, query, opts.signal);
  const statement = fusedRecall({
    personId,
    recentIds: newest.map((r) => r.id),
    words,
    vector: vector === undefined ? undefined : { literal: vectorLiteral(vector), model, exact: opts.exactVector ?? false },
    scan: withVectors ? FTS_SCAN_WITH_VECTORS : undefined,
    n,
    k,
    factWeight: opts.factWeight ?? 1,
    recencyWeight: opts.recencyWeight ?? 0.3,
  });
  const run = async (db: Kysely<Database>) => (await statement.execute(db)).rows;
  let rows: FusedRow[];
  if (vector === undefined || deps.backend === 'pglite') rows = await run(deps.db); // PGlite: session settings made at open
  else {
    rows = await deps.db.transaction().execute(async (trx) => {
      await sql`select set_config('hnsw.ef_search', ${String(deps.options.efSearch)}, true)`.execute(trx);
      if (deps.iterativeScan) await sql`select set_config('hnsw.iterative_scan', 'relaxed_order', true)`.execute(trx);
      return run(trx);
    });
  }
  return rows.map((r) => ({ ...toMemory(r), score: Number(r.score), via: [...(r.by_text ? ['text' as const] : []), ...(r.by_vector ? ['vector' as const] : []), ...(r.by_recent ? ['recent' as const] : [])] }));
}

/**
 * One of the person's newest memories, as recall ranks it: full-text match and rank, distance to the query
 * (null: not known, or no vector of this embedder), and what ties are broken by.
 */
interface NewestRow { id: string; kind: string; atMs: number; hit: boolean; rank: number; d: number | null }

/** The person's newest `n` current memories, newest first, with their full-text rank and (given the query's vector) distance. */
async function newestMemories(db: Kysely<Database>, personId: PersonId, n: number, words: string, vector: { literal: string; model: string } | undefined): Promise<NewestRow[]> {
  // The query and its vector are made once (a materialized CTE): in a reused generic plan, an expression of a
  // parameter is evaluated again for every row. The rows come back as one JSON value: PGlite parses each field
  // of a result on its own (~6 µs each), so 50 rows of six fields cost ~2 ms, and one JSON.parse a fraction.
  const { rows } = await sql<{ rows: Array<[string, string, number, boolean, number, number | null]> }>`
    with q as materialized (select websearch_to_tsquery('english', ${words}) as q${vector ? sql`, ${vector.literal}::vector as v` : sql``}),
    newest as (
      select m.id, m.kind, m.valid_from,
        ${words ? sql`m.tsv @@ q.q` : sql`false`} as hit, ${words ? sql`ts_rank_cd(m.tsv, q.q)` : sql`0::real`} as rank,
        ${vector ? sql`case when m.embedding_model = ${vector.model} then m.embedding <=> q.v end` : sql`null::float8`} as d
      from memories m, q
      where m.person_id = ${personId} and m.valid_to is null
      order by m.valid_from desc, m.id desc limit ${n}
    )
    select coalesce(json_agg(json_build_array(id::text, kind, extract(epoch from valid_from) * 1000, hit, rank, d) order by valid_from desc, id desc), '[]') as rows
    from newest`.execute(db);
  return (rows[0]?.rows ?? []).map(([id, kind, atMs, hit, rank, d]) => ({ id, kind, atMs: Number(atMs), hit, rank: Number(rank), d: d === null ? null : Number(d) }));
}

/** Distances of these memories to the query, by id (memories without a vector of `model` are left out). */
async function distances(db: Kysely<Database>, ids: readonly string[], vector: { literal: string; model: string }): Promise<Map<string, number>> {
  const { rows } = await sql<{ id: string; d: number }>`
    select id, embedding <=> ${vector.literal}::vector as d from memories
    where id = any(${ids}::bigint[]) and embedding_model = ${vector.model} and embedding is not null`.execute(db);
  return new Map(rows.map((r) => [String(r.id), Number(r.d)]));
}

/**
 * Recall over every current memory of the person, all in hand: the lists the fused statement builds (text by
 * rank then newest, facts among them, vectors by exact distance, recency), fused as it fuses them; then the
 * top k rows are read.
 */
async function fuseAll(db: Kysely<Database>, personId: PersonId, rows: readonly NewestRow[], k: number, opts: RecallOptions): Promise<RecalledMemory[]> {
  const newerFirst = (a: NewestRow, b: NewestRow) => Number(b.id) - Number(a.id);
  const text = rows.filter((r) => r.hit).sort((a, b) => b.rank - a.rank || b.atMs - a.atMs || newerFirst(a, b));
  const vector = rows.filter((r) => r.d !== null).sort((a, b) => a.d! - b.d! || newerFirst(a, b));
  const ids = (list: readonly NewestRow[]) => list.map((r) => r.id);
  const fused = reciprocalRankFusion([
    { name: 'text' as const, ids: ids(text) },
    // Facts are what a person most often asks back ("what's my dog called?"): a full-text hit on one counts twice.
    { name: 'text' as const, ids: ids(text.filter((r) => r.kind === 'fact')), weight: opts.factWeight ?? 1 },
    { name: 'vector' as const, ids: ids(vector) },
    { name: 'recent' as const, ids: ids(rows), weight: opts.recencyWeight ?? 0.3 },
  ]).slice(0, k);
  if (fused.length === 0) return [];
  const found = await db.selectFrom('memories').select([...MEMORY_COLUMNS]).where('person_id', '=', personId).where('valid_to', 'is', null).where('id', 'in', fused.map((f) => f.id)).execute();
  const byId = new Map(found.map((r) => [String(r.id), r]));
  // A memory forgotten or superseded between the two reads is left out.
  return fused.flatMap((f) => {
    const r = byId.get(f.id);
    return r ? [{ ...toMemory(r), score: f.score, via: f.via }] : [];
  });
}

/** Any of the query's words, as websearch_to_tsquery input (`a or b or c`); stop words drop out in the parser. */
export function anyWordQuery(query: string): string {
  return [...new Set(tokenize(query).filter((w) => w.length > 1))].slice(0, 32).join(' or ');
}

async function queryVector(deps: MemoryDeps, query: string, signal: AbortSignal | undefined): Promise<number[] | undefined> {
  try {
    const [v] = await deps.embedder.embed([query], signal);
    return v;
  } catch (err) {
    deps.log?.warn({ err, embedder: deps.embedder.id }, 'recall without vectors: the embedder failed');
    return undefined;
  }
}

interface FusedRecall {
  personId: PersonId;
  /** The person's newest current memories, newest first (the recency list). */
  recentIds: readonly string[];
  /** websearch_to_tsquery input; empty: no full-text list. */
  words: string;
  /** The query's embedding; undefined: no vector list. */
  vector: { literal: string; model: string; exact: boolean } | undefined;
  /** Full text searches only the newest this-many current memories (plus every fact); undefined: all. */
  scan: number | undefined;
  /** Candidates per list. */
  n: number;
  k: number;
  factWeight: number;
  recencyWeight: number;
}

/**
 * One statement: the full-text list (ranked by ts_rank_cd, newest first on ties), the facts among it, the
 * vector list (HNSW), the recency list; reciprocal rank fusion over them as {@link reciprocalRankFusion}
 * computes it (Σ weight / (RRF_K + rank), summed in list order; ties by first appearance); the top k rows.
 */
function fusedRecall(f: FusedRecall): RawBuilder<FusedRow> {
  const p = f.personId;
  const none = sql`select null::bigint as id, null::text as kind, null::bigint as r where false`;
  let text: RawBuilder<unknown> = none;
  if (f.words) {
    // Ranking is the cost: a query of common words can match a large share of 100k memories. Rank only the
    // newest FTS_WINDOW matches (among the newest `scan` memories when given), plus every matching fact (few,
    // and what people ask back most). The query is written inline, not read from a CTE, so the planner folds it
    // into a constant (a CTE is joined row by row: about a third of the text list's time on PGlite); only ranks
    // leave the scan, so the union dedupes on (id, kind, valid_from, rank), not on whole tsvectors.
    const q = sql`websearch_to_tsquery('english', ${f.words})`;
    const newest = f.scan === undefined
      ? sql`select id, kind, tsv, valid_from from memories where person_id = ${p} and valid_to is null and tsv @@ ${q}`
      : sql`select id, kind, tsv, valid_from from (
          select id, kind, tsv, valid_from from memories where person_id = ${p} and valid_to is null order by valid_from desc limit ${sql.lit(f.scan)}
        ) s where s.tsv @@ ${q}`;
    text = sql`
      select h.id, h.kind, row_number() over (order by h.rank desc, h.valid_from desc, h.id desc) as r
      from (
        (select m.id, m.kind, m.valid_from, ts_rank_cd(m.tsv, ${q}) as rank from (${newest} order by valid_from desc limit ${sql.lit(FTS_WINDOW)}) m)
        union
        (select m.id, m.kind, m.valid_from, ts_rank_cd(m.tsv, ${q}) as rank from memories m
          where m.person_id = ${p} and m.valid_to is null and m.kind = 'fact' and m.tsv @@ ${q})
      ) h
      order by r limit ${f.n}`;
  }
  let vector: RawBuilder<unknown> = none;
  if (f.vector) {
    // Ranked again by the distance itself (ties: the newer memory first): hnsw.iterative_scan's relaxed order
    // may hand rows back slightly out of order, and the planner trusts the index's order unless the sort key
    // differs from it (`d + 0`, as pgvector's documentation does). `+ 0` in the search's own ORDER BY hides the distance from the index:
    // the exact (sequential) search, for comparison.
    vector = sql`
      select c.id, null::text as kind, row_number() over (order by c.d + 0, c.id desc) as r
      from (
        select m.id, m.embedding <=> ${f.vector.literal}::vector as d from memories m
        where m.person_id = ${p} and m.valid_to is null and m.embedding_model = ${f.vector.model} and m.embedding is not null
        order by ${f.vector.exact ? sql`(m.embedding <=> ${f.vector.literal}::vector) + 0, m.id desc` : sql`d`} limit ${f.n}
      ) c`;
  }
  // Planned per call: the best plan depends on the person (see PLAN_PER_CALL). Reused, PGlite's generic plan
  // searched 10k memories' vectors exactly (~30 ms against ~3 through the index).
  return sql<FusedRow>`${sql.raw(PLAN_PER_CALL)}
    with text as (${text}),
    vector as (${vector}),
    lists (id, list, r, w) as (
      select id, 0, r, 1::float8 from text
      union all select id, 1, row_number() over (order by r), ${f.factWeight}::float8 from text where kind = 'fact'
      union all select id, 2, r, 1::float8 from vector
      union all select id::bigint, 3, r, ${f.recencyWeight}::float8 from unnest(${f.recentIds}::bigint[]) with ordinality as recent (id, r)
    ),
    fused as (
      select id, sum(w / (${sql.lit(RRF_K)} + r)::float8 order by list) as score, min(list * 1000000 + r) as first,
        bool_or(list < 2) as by_text, bool_or(list = 2) as by_vector, bool_or(list = 3) as by_recent
      from lists where w > 0 group by id
      order by score desc, first limit ${f.k}
    )
    select ${sql.join(MEMORY_COLUMNS.map((c) => sql.ref(`m.${c}`)))}, f.score, f.by_text, f.by_vector, f.by_recent
    from fused f join memories m on m.id = f.id
    where m.person_id = ${p} and m.valid_to is null
    order by f.score desc, f.first`;
}
