import type { PGlite, Transaction } from '@electric-sql/pglite';
import { PGliteAdapter, PGliteDialect, type CompiledQuery, type DatabaseConnection, type Driver, type QueryResult, type TransactionSettings } from 'kysely';
import { PgliteStatements } from './pglite-prepared.ts';

/**
 * Kysely's PGlite dialect, with every data statement run as a cached prepared statement
 * ({@link PgliteStatements}). Transactions work as in Kysely's own PGlite driver: one PGlite transaction
 * (its exclusive lock) from begin to commit or rollback.
 *
 * Unlike Kysely's own PGlite dialect, callers are not queued one at a time for the single connection: each
 * gets a connection of its own over the one database, so statements that arrive together reach
 * {@link PgliteStatements} together and commit as a group. PGlite's own locks still keep statements outside a
 * transaction out of it, as its `query` does.
 */
export class PreparedPgliteDialect extends PGliteDialect {
  readonly #pglite: PGlite;

  constructor(config: { pglite: PGlite }) {
    super(config);
    this.#pglite = config.pglite;
  }

  override createAdapter(): PGliteAdapter {
    return new ConcurrentPgliteAdapter();
  }

  override createDriver(): Driver {
    return new PreparedPgliteDriver(this.#pglite);
  }
}

/** Tells Kysely not to serialize callers: the driver hands each its own connection (see the dialect). */
class ConcurrentPgliteAdapter extends PGliteAdapter {
  override get supportsMultipleConnections(): boolean {
    return true;
  }
}

class PreparedPgliteDriver implements Driver {
  readonly #pglite: PGlite;
  #statements: PgliteStatements | undefined;

  constructor(pglite: PGlite) {
    this.#pglite = pglite;
  }

  async init(): Promise<void> {
    if (this.#pglite.closed) throw new Error('PGlite instance is already closed.');
    await this.#pglite.waitReady;
    this.#statements = new PgliteStatements(this.#pglite);
  }

  /** A connection of its own per caller (a transaction's state lives on it); all share the prepared statements. */
  async acquireConnection(): Promise<DatabaseConnection> {
    return new PreparedPgliteConnection(this.#pglite, this.#statements!);
  }

  async beginTransaction(connection: DatabaseConnection, _settings: TransactionSettings): Promise<void> {
    await (connection as PreparedPgliteConnection).begin();
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as PreparedPgliteConnection).commit();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as PreparedPgliteConnection).rollback();
  }

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {
    if (!this.#pglite.closed) await this.#pglite.close();
  }
}

class PreparedPgliteConnection implements DatabaseConnection {
  readonly #pglite: PGlite;
  readonly #statements: PgliteStatements;
  #transaction: Transaction | undefined;
  #finish: { commit: () => void; rollback: (reason: unknown) => void } | undefined;
  #closed: Promise<void> | undefined;

  constructor(pglite: PGlite, statements: PgliteStatements) {
    this.#pglite = pglite;
    this.#statements = statements;
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const { affectedRows, rows } = await this.#statements.query(compiled.sql, compiled.parameters, this.#transaction);
    return { ...(affectedRows != null ? { numAffectedRows: BigInt(affectedRows) } : {}), rows: (rows ?? []) as R[] };
  }

  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('Streaming is not supported by PGlite.');
  }

  /** Opens a PGlite transaction (holding its lock) that ends when commit or rollback is called. */
  async begin(): Promise<void> {
    let begun!: () => void;
    const started = new Promise<void>((resolve) => (begun = resolve));
    const finished = new Promise<void>((commit, rollback) => (this.#finish = { commit, rollback }));
    this.#closed = this.#pglite.transaction(async (tx) => {
      this.#transaction = tx;
      begun();
      await finished;
    });
    // A BEGIN that fails rejects `closed` before `started` resolves.
    await Promise.race([started, this.#closed]);
  }

  async commit(): Promise<void> {
    this.#finish?.commit();
    try {
      await this.#closed;
    } finally {
      this.#reset();
    }
  }

  async rollback(): Promise<void> {
    this.#finish?.rollback(new Error('rolled back'));
    await this.#closed?.catch(() => undefined);
    this.#reset();
  }

  #reset(): void {
    this.#finish = undefined;
    this.#transaction = undefined;
    this.#closed = undefined;
  }
}
