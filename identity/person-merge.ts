import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../store/index.ts';
import type { PersonId } from './person-id.ts';

/**
 * Moves what one table owns of person `from` to person `into`, inside the merge's transaction. Every table
 * with a person column registers one (memories will too), so a merge never leaves rows pointing at a person
 * who no longer exists.
 */
export interface PersonOwnedTable {
  /** The table's name (for logs and to refuse registering one twice). */
  readonly table: string;
  merge(trx: Transaction<Database>, into: PersonId, from: PersonId, now: Date): Promise<void>;
}

/** A table whose rows simply change owner: `update <table> set <column> = into where <column> = from`. */
export function repointColumn(table: string, column = 'person_id'): PersonOwnedTable {
  return {
    table,
    async merge(trx, into, from) {
      // Table names come from code that registers them, never from input; Kysely cannot type a dynamic table.
      const db = trx as unknown as Kysely<Record<string, Record<string, unknown>>>;
      await db.updateTable(table).set({ [column]: into }).where(column, '=', from).execute();
    },
  };
}

/** The registry of person-owned tables and the merge that walks it. */
export class PersonMerger {
  readonly #tables: PersonOwnedTable[] = [];

  /** Adds a table; its `merge` runs after those registered before it, before `from` is deleted. */
  register(table: PersonOwnedTable): this {
    if (this.#tables.some((t) => t.table === table.table)) throw new Error(`person-owned table ${table.table} is registered twice`);
    this.#tables.push(table);
    return this;
  }

  get tables(): readonly string[] {
    return this.#tables.map((t) => t.table);
  }

  /** Re-points every registered table's rows from `from` to `into`, then deletes `from`. Runs inside `trx`. */
  async mergePeople(trx: Transaction<Database>, into: PersonId, from: PersonId, now: Date): Promise<void> {
    if (into === from) throw new Error('cannot merge a person into themself');
    for (const t of this.#tables) await t.merge(trx, into, from, now);
    await trx.deleteFrom('people').where('id', '=', from).execute();
  }
}
