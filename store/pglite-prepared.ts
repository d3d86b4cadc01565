import { parse, protocol, type PGlite, type Results, type Transaction } from '@electric-sql/pglite';

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
/** The end of every run: describe the portal (for field names), execute it, sync. The same bytes each time. */
const DESCRIBE_EXECUTE_SYNC = concat([protocol.serialize.describe({ type: 'P' }), protocol.serialize.execute({}), protocol.serialize.sync()]);
/**
 * The file systems the store opens PGlite on (`memory://` and a Node directory) write through: their `syncToFs`
 * does nothing, but asking for it costs a turn of PGlite's sync mutex on every statement (about 5% of a small
 * one, measured). Browser file systems (IndexedDB, OPFS), which need it, are never used here.
 */
const NO_FS_SYNC = { syncToFs: false } as const;
/** `prepared statement does not exist`, and `cached plan must not change result type` (a table changed shape). */
const STALE_STATEMENT = new Set(['26000', '0A000']);

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
 */
export class PgliteStatements {
  readonly #pglite: PGlite;
  /** SQL text → statement, least recently used first. */
  readonly #prepared = new Map<string, Prepared>();
  readonly #max: number;
  #seq = 0;

  constructor(pglite: PGlite, max = MAX_PREPARED_STATEMENTS) {
    this.#pglite = pglite;
    this.#max = max;
  }

  /** Statements currently prepared (for tests and diagnostics). */
  get size(): number {
    return this.#prepared.size;
  }

  /** Runs one statement: inside `tx` when a transaction is open, else on its own (exclusive, like `query`). */
  async query(sql: string, params: readonly unknown[], tx: Transaction | undefined): Promise<Results<Record<string, unknown>>> {
    const body = sql.startsWith(PLAN_PER_CALL) ? sql.slice(PLAN_PER_CALL.length) : sql;
    if (!PREPARABLE.test(body) || sql.length > MAX_PREPARED_SQL_CHARS) {
      return (tx ?? this.#pglite).query<Record<string, unknown>>(sql, [...params], { rowMode: 'object' });
    }
    const run = () => this.#pglite.runExclusive(() => this.#run(sql, params, tx !== undefined, tx === undefined));
    // Outside a transaction, wait for any open one to finish, as PGlite's own `query` does.
    return tx ? run() : this.#pglite._runExclusiveTransaction(run);
  }

  async #run(sql: string, params: readonly unknown[], inTransaction: boolean, mayRetry: boolean): Promise<Results<Record<string, unknown>>> {
    const statement = await this.#statementFor(sql);
    const values = params.map((p, i) => this.#serialize(p, statement.types[i]));
    // Planned per call: the unnamed statement, parsed, bound and run in the same single trip (the named one
    // still gives the parameter types).
    const perCall = sql.startsWith(PLAN_PER_CALL);
    try {
      const { messages } = await this.#pglite.execProtocol(
        concat([
          ...(perCall ? [protocol.serialize.parse({ text: sql, types: [...statement.types] })] : []),
          protocol.serialize.bind({ statement: perCall ? '' : statement.name, values }),
          DESCRIBE_EXECUTE_SYNC,
        ]),
        NO_FS_SYNC,
      );
      return parse.parseResults(messages, this.#pglite.parsers, { rowMode: 'object' })[0] as Results<Record<string, unknown>>;
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
  #serialize(param: unknown, type: number | undefined): string | null {
    if (param === null || param === undefined) return null;
    const serializer = type === undefined ? undefined : this.#pglite.serializers[type];
    return serializer ? (serializer(param) as string) : String(param);
  }
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
