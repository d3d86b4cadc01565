// 10. Memory recall: latency of hybrid recall (full text + vector + recency, fused) for one person holding N
// memories among others, on PGlite (pgvector HNSW) and PostgreSQL (full text only where pgvector is missing);
// HNSW against exact vector search (recall@10 per ef_search, latency ratio); and recall@5 of every person's
// current facts over the generated months-long dialogues with the offline embedder.
// Iterating on recall: BENCH_RECALL_PGLITE_CACHE=/tmp/helix-recall npm run bench -- --only=recall --recall-sizes=100000
// keeps each size's loaded PGlite database there and reuses it next run (no load, no HNSW build; see PGLITE_CACHE).
import { createHash, randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { Kysely, sql } from 'kysely';
import pg from 'pg';
import { DefaultMemoryOptions, LocalHashEmbedder, MemoryStore } from '../brain/memory/index.ts';
import { vectorLiteral } from '../brain/memory/memory-rows.ts';
import type { PersonId } from '../identity/index.ts';
import { openStore, type Database, type OpenStoreOptions, type Store } from '../store/index.ts';
import { createMemoryVectorIndex, MEMORY_HNSW_OPTIONS } from '../store/migrations/0005-memory-hnsw-build.ts';
import { MIGRATIONS } from '../store/migrations/index.ts';
import { PreparedPgliteDialect } from '../store/pglite-driver.ts';
import { PGLITE_SETTINGS, pgliteSettings } from '../store/pglite-settings.ts';
import { pgliteTemplate } from '../store/pglite-template.ts';
import { makeStore, migrate } from '../store/store.ts';
import { loadDialogues, recallAtK } from '../tests/fixtures/dialogues/evaluate.ts';
import { generateDialogues } from '../tests/fixtures/dialogues/generate.ts';
import type { BenchOptions } from './args.ts';
import { say } from './progress.ts';
import { check, info, type Metric } from './report.ts';
import { round, summarize } from './stats.ts';

const PG_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/**
 * For iterating on recall only: a directory where the loaded and indexed PGlite database of each size is kept
 * (a data-directory archive) and reused by the next run, which then skips the load and the HNSW build (minutes
 * at 100k). Unset (the default), every run builds from scratch. The archive's name covers what shapes it.
 */
const PGLITE_CACHE = process.env.BENCH_RECALL_PGLITE_CACHE;
const ME = '00000000-0000-4000-8000-00000000beef' as PersonId;
const OTHERS = 9;
const WARMUP = 20;

/** A seeded generator of chat-like memory texts over a ~600-word vocabulary. */
export function textSource(seed: number): () => string {
  let a = seed >>> 0;
  const r = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const syl = ['ka', 'lo', 'mi', 'ren', 'to', 'sha', 'vel', 'du', 'ne', 'por', 'qui', 'zan', 'be', 'fo', 'gri', 'hal', 'jo', 'wen', 'yu', 'tam'];
  const words = Array.from({ length: 600 }, () => syl[Math.floor(r() * syl.length)]! + syl[Math.floor(r() * syl.length)]! + (r() < 0.5 ? syl[Math.floor(r() * syl.length)]! : ''));
  const w = () => words[Math.floor(Math.pow(r(), 1.6) * words.length)]!; // Zipf-ish: some words are common
  const templates = [
    () => `talked about ${w()} and ${w()} at the ${w()}`,
    () => `has a ${w()} called ${w()}`,
    () => `went to ${w()} with ${w()} on the weekend`,
    () => `is worried about the ${w()} ${w()} next week`,
    () => `loves ${w()} ${w()} and hates ${w()}`,
    () => `starts ${w()} ${w()} in ${w()}`,
  ];
  return () => templates[Math.floor(r() * templates.length)]!();
}

/** Loads `n` memories of ME and n/10 spread over others, embedding with the local embedder; HNSW built after. */
export async function load(db: Kysely<Database>, vectors: boolean, n: number, embedder: LocalHashEmbedder): Promise<{ loadS: number; indexS: number }> {
  const next = textSource(n);
  const t0 = performance.now();
  if (vectors) await sql`drop index if exists memories_embedding_hnsw`.execute(db);
  const total = n + Math.floor(n / 10);
  const batch = 500;
  const start = Date.parse('2025-01-01T00:00:00Z');
  for (let i = 0; i < total; i += batch) {
    const rows = [];
    for (let j = i; j < Math.min(total, i + batch); j++) {
      const person = j < n ? ME : (`00000000-0000-4000-8000-${String(j % OTHERS).padStart(12, '0')}` as PersonId);
      const text = next();
      const at = new Date(start + j * 60_000);
      rows.push({
        person_id: person, kind: 'episodic' as const, text, fact_key: null, valid_from: at, platform: 'web', conversation_id: 'bench', event_id: `b${j}`, at, source: 'manual', dedupe_key: `b${j}`,
        embedding_model: vectors ? embedder.id : null,
        ...(vectors ? { embedding: sql`${vectorLiteral(embedder.embedOne(text))}::vector` } : {}),
      });
    }
    await db.insertInto('memories').values(rows as never).execute();
    if ((i / batch) % 40 === 0) say(`recall: loaded ${i.toLocaleString('en-US')} / ${total.toLocaleString('en-US')}`);
  }
  const loadS = (performance.now() - t0) / 1_000;
  const t1 = performance.now();
  if (vectors) {
    await sql`set maintenance_work_mem = '512MB'`.execute(db);
    await createMemoryVectorIndex(db as unknown as Kysely<unknown>); // as the migrations build it
  }
  await sql`analyze memories`.execute(db);
  return { loadS, indexS: (performance.now() - t1) / 1_000 };
}

async function timeRecalls(memory: MemoryStore, queries: readonly string[]): Promise<ReturnType<typeof summarize>> {
  const me = memory.forPerson(ME);
  for (const q of queries.slice(0, WARMUP)) await me.recall(q);
  const ms: number[] = [];
  for (const q of queries) {
    const t = performance.now();
    await me.recall(q);
    ms.push(performance.now() - t);
  }
  return summarize(ms);
}

/** HNSW vs exact top-10 over ME's vectors: recall@10 and the latency of each, per ef_search. */
async function annVsExact(db: Kysely<Database>, queries: readonly string[], embedder: LocalHashEmbedder, efs: readonly number[]): Promise<Metric[]> {
  const top = async (lit: string, exact: boolean) => {
    const order = exact ? sql`(embedding <=> ${lit}::vector) + 0` : sql`embedding <=> ${lit}::vector`;
    const t = performance.now();
    const { rows } = await sql<{ id: string }>`select id from memories where person_id = ${ME} and valid_to is null and embedding is not null order by ${order} limit 10`.execute(db);
    return { ids: rows.map((r) => String(r.id)), ms: performance.now() - t };
  };
  const lits = queries.map((q) => vectorLiteral(embedder.embedOne(q)));
  const exact: { ids: string[]; ms: number }[] = [];
  for (const lit of lits) exact.push(await top(lit, true));
  const exactP50 = summarize(exact.map((e) => e.ms)).p50;
  const out: Metric[] = [info('exact_p50_ms', 'exact vector top-10 p50', round(exactP50, 2), 'ms')];
  for (const ef of efs) {
    await sql`select set_config('hnsw.ef_search', ${String(ef)}, false)`.execute(db);
    let hit = 0;
    const ms: number[] = [];
    for (const [i, lit] of lits.entries()) {
      const a = await top(lit, false);
      ms.push(a.ms);
      const truth = new Set(exact[i]!.ids);
      hit += a.ids.filter((id) => truth.has(id)).length;
    }
    const recall = hit / (lits.length * 10);
    const p50 = summarize(ms).p50;
    out.push(ef === DefaultMemoryOptions.efSearch ? check(`hnsw_ef${ef}_recall_at_10`, `HNSW ef_search=${ef} recall@10`, round(recall, 3), '', '>=', 0.95) : info(`hnsw_ef${ef}_recall_at_10`, `HNSW ef_search=${ef} recall@10`, round(recall, 3)));
    out.push(info(`hnsw_ef${ef}_p50_ms`, `HNSW ef_search=${ef} p50`, round(p50, 2), 'ms'), info(`hnsw_ef${ef}_speedup`, `HNSW ef_search=${ef} speed-up over exact (p50)`, round(exactP50 / p50, 1), 'x'));
  }
  await sql`select set_config('hnsw.ef_search', ${String(DefaultMemoryOptions.efSearch)}, false)`.execute(db);
  return out;
}

/** Where the loaded PGlite database of `n` memories is kept between runs (see {@link PGLITE_CACHE}). */
function pgliteArchive(n: number): string | undefined {
  if (!PGLITE_CACHE) return undefined;
  const version = (name: string) => (JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as { version: string }).version;
  const parts = [String(n), version('@electric-sql/pglite'), version('@electric-sql/pglite-pgvector'), ...PGLITE_SETTINGS, ...Object.keys(MIGRATIONS), JSON.stringify(MEMORY_HNSW_OPTIONS), load.toString(), textSource.toString()];
  return join(PGLITE_CACHE, `recall-${n}-${createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16)}.tar.gz`);
}

/** Bytes of tables and indexes in a data-directory archive (its `base/` files), as openPgliteStore sizes its cache from them. */
function archiveRelationBytes(archive: string): number {
  const listing = execFileSync('tar', ['-tvzf', archive], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  let total = 0;
  for (const line of listing.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols.length >= 6 && /^\/?base\//.test(cols[5]!)) total += Number(cols[2]);
  }
  return total;
}

/** PGlite in memory from a data-directory archive (a cached database, or the migrated template), as openStore opens it: cache sized from its data. */
async function openPgliteFrom(archive: string): Promise<{ store: Store; pglite: PGlite; settings: string[] }> {
  const settings = pgliteSettings(archiveRelationBytes(archive));
  const pglite = await PGlite.create('memory://', { postgresqlconf: settings, extensions: { vector }, loadDataDir: new Blob([readFileSync(archive)]) });
  const db = new Kysely<Database>({ dialect: new PreparedPgliteDialect({ pglite }) });
  await migrate(db, undefined);
  return { store: makeStore('pglite', db, async () => true), pglite, settings };
}

/** How the measured database came to be: loaded in this run (with its timings), or reused from the cache. */
type Prepared = { loaded: true; loadS: number; indexS: number } | { loaded: false };

/**
 * The PGlite database of `n` memories as an archive: the cached one when {@link PGLITE_CACHE} has it, else
 * loaded now from the migrated template and dumped (kept in the cache when set). Measuring always reopens
 * the archive, as a restarted brain opens its directory: the page cache is sized from the data at open.
 */
async function pgliteDatabase(n: number, embedder: LocalHashEmbedder): Promise<{ archive: string; prepared: Prepared; dispose(): void }> {
  const cached = pgliteArchive(n);
  if (cached && existsSync(cached)) return { archive: cached, prepared: { loaded: false }, dispose() {} };
  const template = await pgliteTemplate();
  if (!template) throw new Error('no PGlite template to load the database from');
  const { store, pglite } = await openPgliteFrom(template);
  const archive = cached ?? join(tmpdir(), `helix-bench-recall-${n}-${process.pid}.tar.gz`);
  let times: { loadS: number; indexS: number };
  try {
    const memory = await MemoryStore.open({ store, embedder });
    times = await load(store.db, memory.vectors, n, embedder);
    if (cached) mkdirSync(PGLITE_CACHE!, { recursive: true });
    const tmp = `${archive}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.from(await (await pglite.dumpDataDir('gzip')).arrayBuffer()));
    renameSync(tmp, archive);
  } finally {
    await store.close();
  }
  return { archive, prepared: { loaded: true, ...times }, dispose: () => (cached ? undefined : rmSync(archive, { force: true })) };
}

/**
 * Runs `fn` on a fresh store. With `size`, PGlite opens that size's database from {@link pgliteDatabase} (`fn`
 * is told whether it was loaded in this run); otherwise the store starts empty (`loaded` false) and `fn` loads it.
 */
async function withStore<T>(backend: 'pglite' | 'postgres', fn: (store: Store, prepared: Prepared | undefined, settings?: string[]) => Promise<T>, size?: number, embedder?: LocalHashEmbedder): Promise<T> {
  if (backend === 'pglite' && size !== undefined && embedder) {
    const db = await pgliteDatabase(size, embedder);
    try {
      const { store, settings } = await openPgliteFrom(db.archive);
      try {
        return await fn(store, db.prepared, settings);
      } finally {
        await store.close();
      }
    } finally {
      db.dispose();
    }
  }
  const schema = `bench_mem_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
  const opts: OpenStoreOptions = backend === 'pglite' ? { dataDir: 'memory://' } : { databaseUrl: PG_URL, dataDir: 'unused', schema };
  const store = await openStore(opts);
  try {
    return await fn(store, undefined);
  } finally {
    await store.close();
    if (backend === 'postgres') {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop schema if exists "${schema}" cascade`);
      await c.end();
    }
  }
}

export async function benchRecall(opts: BenchOptions): Promise<{ metrics: Metric[]; notes: string[] }> {
  const metrics: Metric[] = [];
  const notes: string[] = [];
  const embedder = new LocalHashEmbedder();
  const next = textSource(7);
  const queries = Array.from({ length: opts.recallQueries }, () => next());
  const largest = Math.max(...opts.recallSizes);
  for (const backend of ['pglite', 'postgres'] as const) {
    for (const n of opts.recallSizes) {
      say(`recall: ${backend}, ${n.toLocaleString('en-US')} memories`);
      try {
        await withStore(backend, async (store, prepared, settings) => {
          const memory = await MemoryStore.open({ store, embedder });
          const mode = memory.vectors ? 'hybrid' : 'full text only';
          const k = `${backend}_${n / 1_000}k`;
          if (prepared?.loaded === false) notes.push(`${backend} ${n}: database reused from ${PGLITE_CACHE} (BENCH_RECALL_PGLITE_CACHE), not loaded and indexed in this run`);
          const times = prepared ?? { loaded: true, ...(await load(store.db, memory.vectors, n, embedder)) };
          if (times.loaded) {
            metrics.push(info(`${k}_load_s`, `${backend} ${n / 1_000}k: load (+${Math.floor(n / 10) / 1_000}k of others)`, round(times.loadS, 1), 's'));
            if (memory.vectors) metrics.push(info(`${k}_hnsw_build_s`, `${backend} ${n / 1_000}k: HNSW build`, round(times.indexS, 1), 's'));
          }
          if (settings) notes.push(`${backend} ${n}: reopened as a restarted brain opens it, with ${settings.join(' ')} (sized from its data)`);
          const s = await timeRecalls(memory, queries);
          metrics.push(info(`${k}_mode`, `${backend} ${n / 1_000}k: recall mode`, mode));
          metrics.push(info(`${k}_p50_ms`, `${backend} ${n / 1_000}k: recall p50`, round(s.p50, 2), 'ms'));
          metrics.push(backend === 'pglite' && n === 100_000 ? check(`${k}_p99_ms`, `${backend} ${n / 1_000}k: recall p99`, round(s.p99, 2), 'ms', '<=', 25) : info(`${k}_p99_ms`, `${backend} ${n / 1_000}k: recall p99`, round(s.p99, 2), 'ms'));
          if (memory.vectors && n === largest) {
            say(`recall: HNSW vs exact at ${n.toLocaleString('en-US')}`);
            for (const m of await annVsExact(store.db, queries.slice(0, 100), embedder, [...new Set([40, DefaultMemoryOptions.efSearch, 100, 200])].sort((a, b) => a - b))) metrics.push({ ...m, key: `${k}_${m.key}`, label: `${backend} ${n / 1_000}k: ${m.label}` });
          }
        }, n, embedder);
      } catch (err) {
        notes.push(`${backend} ${n}: ${(err as Error).message}`);
      }
    }
  }
  say('recall: dialogues');
  const dialogues = generateDialogues();
  for (const backend of ['pglite', 'postgres'] as const) {
    await withStore(backend, async (store) => {
      const memory = await MemoryStore.open({ store, embedder });
      await loadDialogues(memory, dialogues);
      const at5 = await recallAtK(memory, dialogues, 5);
      const at1 = await recallAtK(memory, dialogues, 1);
      const mode = memory.vectors ? 'hybrid' : 'full text only';
      metrics.push(check(`dialogues_${backend}_recall_at_5`, `dialogues ${backend} (${mode}): current facts recall@5`, round(at5.recall, 3), `(${at5.hits}/${at5.questions})`, '>=', 0.9));
      metrics.push(info(`dialogues_${backend}_recall_at_1`, `dialogues ${backend} (${mode}): current facts recall@1`, round(at1.recall, 3), `(${at1.hits}/${at1.questions})`));
    });
  }
  notes.push(
    `${dialogues.length} generated people, ${dialogues.reduce((s, d) => s + d.messages.length, 0)} messages over 6 months (tests/fixtures/dialogues); questions share words with the facts, so this measures extraction + supersession + fusion, not synonym understanding (the local embedder has none).`,
    `latency: ${opts.recallQueries} recalls per size after ${WARMUP} warm-up, k=8, 50 candidates per retriever; one person holds N, ${OTHERS} others hold N/10 between them. Sizes: ${opts.recallSizes.join(', ')} (--recall-sizes=10000,100000 for the 100k run).`,
  );
  return { metrics, notes };
}
