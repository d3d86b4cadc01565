import { parse, protocol, type PGlite, type Results, type Transaction } from '@electric-sql/pglite';
import { bindMessage, type BindValue } from './pglite-bind.ts';

/** A parsed backend message, as PGlite's `execProtocol` returns them. */
type BackendMessage = Parameters<typeof parse.parseResults>[0][number];

/** Prepared statements kept per database; the least recently used is closed beyond this. */
export const MAX_PREPARED_STATEMENTS = 128;
/** Longer SQL texts (a many-row insert) are run unprepared: they rarely repeat. */
const MAX_PREPARED_SQL_CHARS = 8_000;
/** Statements worth preparing: data reads and writes. DDL, settings and transaction control run as before. */
const PREPARABLE = /^\s*(?:select|insert|update|delete|with)\b/i;
/**
 * Put first in a statement's SQL to have it planned for its own parameter values on every call. A prepared
 * statement switches to one generic plan after five runs; for a statement whose best plan depends on the
 * values that plan can be several times slower (recall's search: not knowing the person, it scanned 10k
 * memories' vectors instead of using the HNSW index). PostgreSQL (node-postgres) runs parameterized statements unnamed,
 * which always plans per call, so the hint only matters on PGlite, and is a comment everywhere.
 */
export const PLAN_PER_CALL = '/* helix: plan per call */ ';
/** Every run describes its portal (for field names) and executes it: the same bytes each time. */
const DESCRIBE_EXECUTE = concat([protocol.serialize.describe({ type: 'P' }), protocol.serialize.execute({})]);
const SYNC = protocol.serialize.sync();
/**
 * The file systems the store opens PGlite on (`memory://` and a Node directory) write through: their `syncToFs`
 * does nothing, but asking for it costs a turn of PGlite's sync mutex on every statement (about 5% of a small
 * one, measured). Browser file systems (IndexedDB, OPFS), which need it, are never used here.
 */
const NO_FS_SYNC = { syncToFs: false } as const;
/** Most statements committed together (see {@link PgliteStatements}); a larger backlog goes in several groups. */
export const MAX_GROUP_COMMIT = 64;
/** `prepared statement does not exist`, and `cached plan must not change result type` (a table changed shape). */
const STALE_STATEMENT = new Set(['26000', '0A000']);

type Rows = Results<Record<string, unknown>>;

/** A statement waiting for the next group commit. */
interface Queued {
  readonly sql: string;
  readonly params: readonly unknown[];
  resolve(result: Rows): void;
  reject(err: unknown): void;
}

interface Prepared {
  readonly name: string;
  /** Parameter types as the server inferred them when the statement was prepared. */
  readonly types: readonly number[];
}

/**
 * Runs queries on PGlite as named prepared statements. PGlite's own `query` parses, describes, binds and
 * executes every call anew (six trips into the WASM backend, planning included); a statement prepared once
 * needs one trip and, after a few runs, no planning. Measured on the turn's statements: 1.5–8× faster each.
 * Parameters are serialized exactly as PGlite's `query` does (by the type the server inferred), and rows
 * parsed by the same parsers, so callers see the same values.
 *
 * Group commit: statements outside a transaction that arrive while others wait (other turns' statements,
 * under load) queue up, and the queue runs in one trip ending in one Sync, so they commit together. Each Sync
 * is a commit and costs about as much as a small statement (measured: a one-row insert alone ~230 µs, 16 of
 * them ending in one Sync ~110 µs each, in memory; on disk each commit also writes WAL). Hand-written because
 * PGlite has no pipelining of its own. If a statement of a group fails, the whole group has rolled back and
 * each statement runs again on its own, so every caller gets the answer or error it would have had alone.
 */
export class PgliteStatements {
  readonly #pglite: PGlite;
  /** SQL text → statement, least recently used first. */
  readonly #prepared = new Map<string, Prepared>();
  readonly #max: number;
  readonly #maxGroup: number;
  #seq = 0;
  /** Statements waiting for the next group commit, in arrival order. */
  readonly #queue: Queued[] = [];
  #draining: Promise<void> | undefined;

  constructor(pglite: PGlite, max = MAX_PREPARED_STATEMENTS, maxGroup = MAX_GROUP_COMMIT) {
    this.#pglite = pglite;
    this.#max = max;
    this.#maxGroup = maxGroup;
  }

  /** Statements currently prepared (for tests and diagnostics). */
  get size(): number {
    return this.#prepared.size;
  }

  /**
   * Runs one statement: inside `tx` when a transaction is open, else in the next group commit (after any open
   * transaction has finished, as PGlite's own `query` waits).
   */
  async query(sql: string, params: readonly unknown[], tx: Transaction | undefined): Promise<Rows> {
    const body = sql.startsWith(PLAN_PER_CALL) ? sql.slice(PLAN_PER_CALL.length) : sql;
    if (!PREPARABLE.test(body) || sql.length > MAX_PREPARED_SQL_CHARS) {
      return (tx ?? this.#pglite).query<Record<string, unknown>>(sql, [...params], { rowMode: 'object' });
    }
    if (tx) return this.#pglite.runExclusive(() => this.#run(sql, params, true, false));
    return new Promise<Rows>((resolve, reject) => {
      this.#queue.push({ sql, params, resolve, reject });
      this.#draining ??= this.#drain();
    });
  }

  /** Runs queued statements, a group at a time, until none is left. Never rejects: each caller gets its own outcome. */
  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        await this.#pglite._runExclusiveTransaction(() =>
          this.#pglite.runExclusive(async () => {
            // Taken once the lock is held: everything that queued while PGlite was busy goes in this group.
            await this.#runGroup(this.#queue.splice(0, this.#maxGroup));
          }),
        );
      }
    } catch (err) {
      // The lock itself failed (PGlite closed): nobody still queued can be answered.
      for (const q of this.#queue.splice(0)) q.reject(err);
    } finally {
      this.#draining = undefined;
    }
  }

  async #runGroup(group: Queued[]): Promise<void> {
    if (group.length > 1) {
      let messages: BackendMessage[] | undefined;
      try {
        messages = await this.#runTogether(group);
      } catch {
        // Nothing of the group is committed (a statement could not be prepared, or one failed and the group
        // rolled back): run each alone below, for its own answer.
      }
      if (messages) {
        // Committed: from here on nothing may run again.
        const each = splitResults(messages);
        group.forEach((q, i) => {
          const m = each[i];
          if (m) q.resolve(parse.parseResults(m, this.#pglite.parsers, { rowMode: 'object' })[0] as Rows);
          else q.reject(new Error(`group commit: statement ${i + 1} of ${group.length} returned no result`));
        });
        return;
      }
    }
    for (const q of group) {
      try {
        q.resolve(await this.#run(q.sql, q.params, false, true));
      } catch (err) {
        q.reject(err);
      }
    }
  }

  /** The group in one trip and one implicit transaction: each statement bound and executed, then one Sync. */
  async #runTogether(group: readonly Queued[]): Promise<BackendMessage[]> {
    const parts: Uint8Array[] = [];
    for (const q of group) parts.push(...this.#bind(q.sql, await this.#statementFor(q.sql), q.params), DESCRIBE_EXECUTE);
    parts.push(SYNC);
    return (await this.#pglite.execProtocol(concat(parts), NO_FS_SYNC)).messages;
  }

  /** The parse (when planned per call) and bind messages of one run of a statement. */
  #bind(sql: string, statement: Prepared, params: readonly unknown[]): Uint8Array[] {
    const values = params.map((p, i) => this.#serialize(p, statement.types[i]));
    // Planned per call: the unnamed statement, parsed, bound and run in the same single trip (the named one
    // still gives the parameter types).
    const perCall = sql.startsWith(PLAN_PER_CALL);
    return [
      ...(perCall ? [protocol.serialize.parse({ text: sql, types: [...statement.types] })] : []),
      bindMessage(perCall ? '' : statement.name, values),
    ];
  }

  async #run(sql: string, params: readonly unknown[], inTransaction: boolean, mayRetry: boolean): Promise<Rows> {
    const statement = await this.#statementFor(sql);
    try {
      const { messages } = await this.#pglite.execProtocol(concat([...this.#bind(sql, statement, params), DESCRIBE_EXECUTE, SYNC]), NO_FS_SYNC);
      return parse.parseResults(messages, this.#pglite.parsers, { rowMode: 'object' })[0] as Rows;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && STALE_STATEMENT.has(code)) {
        // The statement is gone or no longer fits its table: forget it; outside a transaction, prepare it afresh once.
        this.#prepared.delete(sql);
        await this.#close(statement.name).catch(() => undefined);
        if (mayRetry && !inTransaction) return this.#run(sql, params, inTransaction, false);
      }
      throw err;
    }
  }

  async #statementFor(sql: string): Promise<Prepared> {
    const known = this.#prepared.get(sql);
    if (known) {
      this.#prepared.delete(sql);
      this.#prepared.set(sql, known);
      return known;
    }
    const name = `helix_${++this.#seq}`;
    const { messages } = await this.#pglite.execProtocol(
      concat([protocol.serialize.parse({ name, text: sql }), protocol.serialize.describe({ type: 'S', name }), protocol.serialize.sync()]),
      NO_FS_SYNC,
    );
    const prepared = { name, types: parse.parseDescribeStatementResults(messages) };
    this.#prepared.set(sql, prepared);
    while (this.#prepared.size > this.#max) {
      const [oldestSql, oldest] = this.#prepared.entries().next().value!;
      this.#prepared.delete(oldestSql);
      await this.#close(oldest.name).catch(() => undefined); // a leaked statement costs memory, not correctness
    }
    return prepared;
  }

  async #close(name: string): Promise<void> {
    await this.#pglite.execProtocol(concat([protocol.serialize.close({ type: 'S', name }), protocol.serialize.sync()]), NO_FS_SYNC);
  }

  /** As PGlite's `query`: by the parameter's inferred type, else its string form. */
  #serialize(param: unknown, type: number | undefined): BindValue {
    if (param === null || param === undefined) return null;
    const serializer = type === undefined ? undefined : this.#pglite.serializers[type];
    if (!serializer) return String(param);
    const value = serializer(param) as unknown;
    return value instanceof Uint8Array || value === null ? value : String(value);
  }
}

/** One statement's messages per entry: everything up to and including its CommandComplete (or EmptyQueryResponse). */
function splitResults(messages: readonly BackendMessage[]): BackendMessage[][] {
  const out: BackendMessage[][] = [];
  let current: BackendMessage[] = [];
  for (const m of messages) {
    current.push(m);
    if (m.name === 'commandComplete' || m.name === 'emptyQuery') {
      out.push(current);
      current = [];
    }
  }
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

