import { sql, type Kysely } from 'kysely';
import type { PersonId } from '../../identity/index.ts';
import type { Database } from '../../store/index.ts';
import { tokenize } from './embedders/local-hash.ts';
import { reciprocalRankFusion } from './fusion.ts';
import { MEMORY_COLUMNS, toMemory, vectorLiteral } from './memory-rows.ts';
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

/**
 * Hybrid recall of one person's current memories: full-text search (websearch_to_tsquery, any query word),
 * vector similarity (pgvector HNSW, when stored) and recency, fused by reciprocal rank fusion. Every
 * statement is filtered by `person_id`; superseded facts (valid_to set) are never returned.
 */
export async function recallMemories(deps: MemoryDeps, personId: PersonId, query: string, opts: RecallOptions = {}): Promise<RecalledMemory[]> {
  const k = opts.k ?? deps.options.recallK;
  const n = Math.max(k, deps.options.candidates);
  // The newest memories first: a person with none (every new person, and most people early on) costs this
  // one cheap statement, with no full-text ranking, no embedding and no vector search.
  const recent = await deps.db
    .selectFrom('memories')
    .select('id')
    .where('person_id', '=', personId)
    .where('valid_to', 'is', null)
    .orderBy('valid_from', 'desc')
    .orderBy('id', 'desc')
    .limit(n)
    .execute();
  if (recent.length === 0) return [];
  const text = await textCandidates(deps.db, personId, query, n, deps.vectors && !opts.noVector ? FTS_SCAN_WITH_VECTORS : undefined);
  const vector = deps.vectors && !opts.noVector ? await vectorCandidates(deps, personId, query, n, opts) : [];
  const fused = reciprocalRankFusion([
    { name: 'text' as const, ids: text.map((t) => t.id) },
    // Facts are what a person most often asks back ("what's my dog called?"): a full-text hit on a current
    // fact counts twice, so episodic notes that merely share a word ("walked the dog") rank below it.
    { name: 'text' as const, ids: text.filter((t) => t.kind === 'fact').map((t) => t.id), weight: opts.factWeight ?? 1 },
    { name: 'vector' as const, ids: vector },
    { name: 'recent' as const, ids: recent.map((r) => String(r.id)), weight: opts.recencyWeight ?? 0.3 },
  ]).slice(0, k);
  if (fused.length === 0) return [];
  const rows = await deps.db
    .selectFrom('memories')
    .select([...MEMORY_COLUMNS])
    .where('person_id', '=', personId)
    .where('valid_to', 'is', null)
    .where('id', 'in', fused.map((f) => f.id))
    .execute();
  const byId = new Map(rows.map((r) => [String(r.id), r]));
  return fused.flatMap((f) => {
    const r = byId.get(f.id);
    return r ? [{ ...toMemory(r), score: f.score, via: f.via }] : [];
  });
}

/** Any of the query's words, as websearch_to_tsquery input (`a or b or c`); stop words drop out in the parser. */
export function anyWordQuery(query: string): string {
  return [...new Set(tokenize(query).filter((w) => w.length > 1))].slice(0, 32).join(' or ');
}

async function textCandidates(db: Kysely<Database>, personId: PersonId, query: string, n: number, scan: number | undefined): Promise<{ id: string; kind: string }[]> {
  const q = anyWordQuery(query);
  if (!q) return [];
  // Ranking is the cost: a query of common words can match a large share of 100k memories. Rank only the
  // newest FTS_WINDOW matches (among the newest `scan` memories when given), plus every matching fact (few,
  // and what people ask back most).
  const searched = scan === undefined
    ? sql`memories`
    : sql`(select id, kind, tsv, valid_from, person_id, valid_to from memories where person_id = ${personId} and valid_to is null order by valid_from desc limit ${scan})`;
  const { rows } = await sql<{ id: string; kind: string }>`
    with q as (select websearch_to_tsquery('english', ${q}) as q),
    hits as (
      (select m.id, m.kind, m.tsv, m.valid_from from ${searched} m, q
        where m.person_id = ${personId} and m.valid_to is null and m.tsv @@ q.q
        order by m.valid_from desc limit ${FTS_WINDOW})
      union
      (select m.id, m.kind, m.tsv, m.valid_from from memories m, q
        where m.person_id = ${personId} and m.valid_to is null and m.kind = 'fact' and m.tsv @@ q.q)
    )
    select h.id, h.kind from hits h, q order by ts_rank_cd(h.tsv, q.q) desc, h.valid_from desc limit ${n}`.execute(db);
  return rows.map((r) => ({ id: String(r.id), kind: r.kind }));
}

async function vectorCandidates(deps: MemoryDeps, personId: PersonId, query: string, n: number, opts: RecallOptions): Promise<string[]> {
  let v: number[] | undefined;
  try {
    [v] = await deps.embedder.embed([query], opts.signal);
  } catch (err) {
    deps.log?.warn({ err, embedder: deps.embedder.id }, 'recall without vectors: the embedder failed');
    return [];
  }
  if (!v) return [];
  const lit = vectorLiteral(v);
  // `+ 0` hides the distance from the planner's index matching: the exact (sequential) search, for comparison.
  const order = opts.exactVector ? sql`(m.embedding <=> ${lit}::vector) + 0` : sql`m.embedding <=> ${lit}::vector`;
  const search = (db: Kysely<Database>) =>
    sql<{ id: string }>`
      select m.id from memories m
      where m.person_id = ${personId} and m.valid_to is null and m.embedding_model = ${deps.embedder.id} and m.embedding is not null
      order by ${order} limit ${n}`.execute(db);
  if (deps.backend === 'pglite') return (await search(deps.db)).rows.map((r) => String(r.id)); // session settings made at open
  return deps.db.transaction().execute(async (trx) => {
    await sql`select set_config('hnsw.ef_search', ${String(deps.options.efSearch)}, true)`.execute(trx);
    if (deps.iterativeScan) await sql`select set_config('hnsw.iterative_scan', 'relaxed_order', true)`.execute(trx);
    return (await search(trx)).rows.map((r) => String(r.id));
  });
}
