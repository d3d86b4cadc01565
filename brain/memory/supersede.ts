import { sql, type Insertable, type Transaction } from 'kysely';
import type { PersonId } from '../../identity/index.ts';
import type { Database } from '../../store/index.ts';
import type { MemoriesTable } from '../../store/schema-memories.ts';
import type { NewMemory } from './memory-input.ts';
import type { WriteOutcome } from './memory-types.ts';

/** Facts are compared ignoring case, spacing and end punctuation. */
export function sameFactText(a: string, b: string): boolean {
  const norm = (s: string) => s.toLowerCase().replaceAll(/\s+/g, ' ').replace(/[.!]+$/, '').trim();
  return norm(a) === norm(b);
}

/**
 * Writes a fact inside `trx`: the current fact with the same key is kept but closed (valid_to = the new
 * fact's valid_from, superseded_by = its id), so history stays and only the newest is current. A per
 * person-and-key advisory lock makes two concurrent writes of one key take turns.
 */
export async function supersedeFact(trx: Transaction<Database>, personId: PersonId, m: NewMemory, values: Insertable<MemoriesTable>): Promise<WriteOutcome> {
  const key = m.factKey!;
  await sql`select pg_advisory_xact_lock(hashtext(${`memory-fact\n${personId}\n${key}`}))`.execute(trx);
  const current = await trx
    .selectFrom('memories')
    .select(['id', 'text'])
    .where('person_id', '=', personId)
    .where('kind', '=', 'fact')
    .where('fact_key', '=', key)
    .where('valid_to', 'is', null)
    .execute();
  const same = current.find((c) => sameFactText(c.text, m.text));
  if (same) return { id: String(same.id), status: 'unchanged', superseded: [] };
  const inserted = await trx
    .insertInto('memories')
    .values(values)
    .onConflict((oc) => oc.columns(['person_id', 'dedupe_key']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) {
    const existing = await trx.selectFrom('memories').select('id').where('person_id', '=', personId).where('dedupe_key', '=', values.dedupe_key).executeTakeFirstOrThrow();
    return { id: String(existing.id), status: 'duplicate', superseded: [] };
  }
  const old = current.map((c) => String(c.id));
  if (old.length) {
    await trx.updateTable('memories').set({ valid_to: m.provenance.at, superseded_by: String(inserted.id) }).where('person_id', '=', personId).where('id', 'in', old).execute();
  }
  return { id: String(inserted.id), status: 'written', superseded: old };
}
