import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { PersonId } from '../../identity/index.ts';
import { PLAN_PER_CALL, type Database } from '../../store/index.ts';
import { tokenize } from './embedders/local-hash.ts';
import { RRF_K } from './fusion.ts';
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
 * Two statements (four before): the person's newest memories (a person with none, every new person and most
 * people early on, costs only this one, with no embedding), then one that searches, fuses (reciprocalRankFusion
 * of fusion.ts, same arithmetic and tie order, in SQL) and reads the top k rows. PGlite runs one statement at a
 * time, so each round trip saved is latency saved, and only the k returned rows leave the database.
 */
export async function recallMemories(deps: MemoryDeps, personId: PersonId, query: string, opts: RecallOptions = {}): Promise<RecalledMemory[]> {
  const k = opts.k ?? deps.options.recallK;
  const n = Math.max(k, deps.options.candidates);
  const recent = await deps.db
    .selectFrom('memories')
    .select('id')
    .where('person_id', '=', personId)
    .where('valid_to', 'is', null)
    .orderBy('valid_from', 'desc')
    .orderBy('id', 'desc')
    .limit(n)
    .execute();
  if (recent.length === 0 || k <= 0) return [];
  const withVectors = deps.vectors && !opts.noVector;
  const words = anyWordQuery(query);
  const vector = withVectors ? await queryVector(deps, query, opts.signal) : undefined;
  const recentIds = recent.map((r) => String(r.id));
  const statement = fusedRecall({
    personId,
    recentIds,
    // Fewer than n: these are all of the person's current memories, and every list searches only them.
    all: recent.length < n,
    words,
    vector: vector === undefined ? undefined : { literal: vectorLiteral(vector), model: deps.embedder.id, exact: opts.exactVector ?? false },
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
  /** `recentIds` holds every current memory of the person: the lists look only at those rows. */
  all: boolean;
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
    const newest = f.all
      ? sql`select id, kind, tsv, valid_from from memories where id = any(${f.recentIds}::bigint[]) and person_id = ${p} and valid_to is null and tsv @@ ${q}`
      : f.scan === undefined
      ? sql`select id, kind, tsv, valid_from from memories where person_id = ${p} and valid_to is null and tsv @@ ${q}`
      : sql`select id, kind, tsv, valid_from from (
          select id, kind, tsv, valid_from from memories where person_id = ${p} and valid_to is null order by valid_from desc limit ${sql.lit(f.scan)}
        ) s where s.tsv @@ ${q}`;
    text = sql`
      select h.id, h.kind, row_number() over (order by h.rank desc, h.valid_from desc) as r
      from (
        (select m.id, m.kind, m.valid_from, ts_rank_cd(m.tsv, ${q}) as rank from (${newest} order by valid_from desc limit ${sql.lit(FTS_WINDOW)}) m)
        union
        (select m.id, m.kind, m.valid_from, ts_rank_cd(m.tsv, ${q}) as rank from memories m
          where ${f.all ? sql`m.id = any(${f.recentIds}::bigint[]) and ` : sql``}m.person_id = ${p} and m.valid_to is null and m.kind = 'fact' and m.tsv @@ ${q})
      ) h
      order by r limit ${f.n}`;
  }
  let vector: RawBuilder<unknown> = none;
  if (f.vector) {
    // Ranked again by the distance itself: hnsw.iterative_scan's relaxed order may hand rows back slightly out
    // of order, and the planner trusts the index's order unless the sort key differs from it (`d + 0`, as
    // pgvector's documentation does). `+ 0` in the search's own ORDER BY hides the distance from the index:
    // the exact (sequential) search, for comparison.
    vector = sql`
      select c.id, null::text as kind, row_number() over (order by c.d + 0) as r
      from (
        select m.id, m.embedding <=> ${f.vector.literal}::vector as d from memories m
        where ${f.all ? sql`m.id = any(${f.recentIds}::bigint[]) and ` : sql``}m.person_id = ${p} and m.valid_to is null and m.embedding_model = ${f.vector.model} and m.embedding is not null
        order by ${f.vector.exact || f.all ? sql`(m.embedding <=> ${f.vector.literal}::vector) + 0` : sql`d`} limit ${f.n}
      ) c`;
  }
  // A person with many memories: planned per call, as the best plan depends on the person (see PLAN_PER_CALL);
  // reused, PGlite's generic plan searched 10k memories' vectors exactly (~30 ms against ~3 through the index).
  // A person whose memories are all in `recentIds`: every list reads those rows by id and the vector list is
  // exact, which is the right plan whatever the table holds, so the prepared plan is reused (no planning).
  return sql<FusedRow>`${sql.raw(f.all ? '' : PLAN_PER_CALL)}
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
