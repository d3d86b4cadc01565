import { sql, type Kysely } from 'kysely';
import { PersonId } from '../../identity/index.ts';
import { HelixError, type Logger } from '../../mesh/index.ts';
import type { Database, Store } from '../../store/index.ts';
import { MEMORY_EMBEDDING_DIMS } from '../../store/migrations/0004-memories.ts';
import { ensureMemoryVectorIndex } from '../../store/migrations/0005-memory-hnsw-build.ts';
import { continuityFor, type PersonContinuity } from './person-continuity.ts';
import type { Embedder } from './embedders/embedder.ts';
import { LocalHashEmbedder } from './embedders/local-hash.ts';
import { exportPersonData, type PersonDataExport } from './export.ts';
import { forgetAll, forgetLast, forgetTopic, type ForgetOutcome } from './forget.ts';
import { MEMORY_COLUMNS, toMemory } from './memory-rows.ts';
import { DefaultMemoryOptions, type AccountsOf, type Memory, type MemoryDeps, type MemoryOptions, type RecalledMemory } from './memory-types.ts';
import { recallMemories, type RecallOptions } from './recall.ts';
import { writeMemory, type WriteOutcome } from './write.ts';

export interface OpenMemoryStoreOptions {
  /** The opened (and migrated) store. */
  store: Pick<Store, 'db' | 'kind'>;
  /** @defaultValue the offline {@link LocalHashEmbedder} */
  embedder?: Embedder;
  options?: Partial<MemoryOptions>;
  log?: Logger;
}

/**
 * Long-term memory over the store. Every read and write goes through {@link MemoryStore.forPerson}: there is
 * no way to recall, list or forget without naming the person, and the person id is checked at run time too.
 */
export class MemoryStore {
  readonly #deps: MemoryDeps;

  private constructor(deps: MemoryDeps) {
    this.#deps = deps;
  }

  /**
   * Opens memory on a migrated store. Adds the vector column when pgvector became available after the
   * migration; without pgvector (PostgreSQL lacking the extension) recall is full-text only, with a warning.
   */
  static async open(o: OpenMemoryStoreOptions): Promise<MemoryStore> {
    const embedder = o.embedder ?? new LocalHashEmbedder(MEMORY_EMBEDDING_DIMS);
    if (embedder.dims !== MEMORY_EMBEDDING_DIMS) throw new HelixError('config_invalid', `memory.dims must be ${MEMORY_EMBEDDING_DIMS} (the stored vector size), not ${embedder.dims}`);
    const options = { ...DefaultMemoryOptions, ...o.options };
    const db = o.store.db;
    const vectors = await ensureMemoryVectorIndex(db as unknown as Kysely<unknown>);
    let iterativeScan = false;
    if (vectors) {
      const { rows } = await sql<{ v: string }>`select extversion as v from pg_extension where extname = 'vector'`.execute(db);
      const [major = 0, minor = 0] = (rows[0]?.v ?? '0.0').split('.').map(Number);
      iterativeScan = major > 0 || minor >= 8;
      if (o.store.kind === 'pglite') {
        // One connection: session settings hold for every recall.
        await sql`select set_config('hnsw.ef_search', ${String(options.efSearch)}, false)`.execute(db);
        if (iterativeScan) await sql`select set_config('hnsw.iterative_scan', 'relaxed_order', false)`.execute(db);
      }
    } else {
      o.log?.warn(
        { code: 'store_vector_missing' },
        'pgvector is not installed in this PostgreSQL: memory recall uses full-text search only. Install it (apt install postgresql-15-pgvector, or your version\'s package) and restart the brain to add vector recall.',
      );
    }
    return new MemoryStore({ db, backend: o.store.kind, embedder, vectors, iterativeScan, options, log: o.log });
  }

  /** True when memories are embedded and recalled by vector too. */
  get vectors(): boolean {
    return this.#deps.vectors;
  }

  get embedder(): Embedder {
    return this.#deps.embedder;
  }

  /** One person's memories. Throws `memory_invalid` when `personId` is not a person id (a UUID). */
  forPerson(personId: PersonId | string): PersonMemories {
    const parsed = PersonId.safeParse(personId);
    if (!parsed.success) throw new HelixError('memory_invalid', `Memory needs a person id (a UUID), got ${JSON.stringify(String(personId)).slice(0, 80)}.`);
    return new PersonMemories(this.#deps, parsed.data);
  }

  /** For consolidation and benchmarks inside brain/memory. */
  get deps(): MemoryDeps {
    return this.#deps;
  }

  get db(): Kysely<Database> {
    return this.#deps.db;
  }
}

/** Everything memory does for one person. Obtained from {@link MemoryStore.forPerson}. */
export class PersonMemories {
  readonly personId: PersonId;
  readonly #deps: MemoryDeps;

  constructor(deps: MemoryDeps, personId: PersonId) {
    this.#deps = deps;
    this.personId = personId;
  }

  /** Stores one memory (validated; see {@link writeMemory}). */
  write(input: unknown): Promise<WriteOutcome> {
    return writeMemory(this.#deps, this.personId, input);
  }

  /** Hybrid recall of this person's current memories for `query`. */
  recall(query: string, opts?: RecallOptions): Promise<RecalledMemory[]> {
    return recallMemories(this.#deps, this.personId, query, opts);
  }

  /** Current memories (superseded facts left out), newest first. */
  async current(limit = 200): Promise<Memory[]> {
    const rows = await this.#deps.db.selectFrom('memories').select([...MEMORY_COLUMNS]).where('person_id', '=', this.personId).where('valid_to', 'is', null).orderBy('valid_from', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toMemory);
  }

  /** Every version of one fact, oldest first (superseded ones included). */
  async factHistory(factKey: string): Promise<Memory[]> {
    const rows = await this.#deps.db.selectFrom('memories').select([...MEMORY_COLUMNS]).where('person_id', '=', this.personId).where('kind', '=', 'fact').where('fact_key', '=', factKey).orderBy('valid_from').orderBy('id').execute();
    return rows.map(toMemory);
  }

  forgetLast(): Promise<ForgetOutcome> {
    return forgetLast(this.#deps.db, this.personId);
  }

  forgetTopic(topic: string): Promise<ForgetOutcome> {
    return forgetTopic(this.#deps.db, this.personId, topic);
  }

  forgetAll(now: Date): Promise<ForgetOutcome> {
    return forgetAll(this.#deps.db, this.personId, now);
  }

  exportData(accountsOf: AccountsOf, now: Date): Promise<PersonDataExport> {
    return exportPersonData(this.#deps.db, this.personId, accountsOf, now);
  }

  /** Recent exchanges from this person's other conversations. */
  continuity(accountsOf: AccountsOf): PersonContinuity {
    return continuityFor(this.#deps, this.personId, accountsOf);
  }
}
