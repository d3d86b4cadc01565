import { sql, type Kysely, type Transaction } from 'kysely';
import type { PersonId, PersonOwnedTable } from '../../identity/index.ts';
import type { Database } from '../../store/index.ts';

/**
 * Moves every memory of `fromPersonId` to `intoPersonId` (an identity merge). Where both hold a current
 * fact with the same key, the older is kept but superseded by the newer. "Forget everything" times keep
 * the later one, consolidation marks the further one. Run it inside the merge's transaction.
 */
export async function reassignMemories(db: Kysely<Database> | Transaction<Database>, fromPersonId: PersonId, intoPersonId: PersonId): Promise<{ moved: number }> {
  if (fromPersonId === intoPersonId) return { moved: 0 };
  // The same write held by both (equal dedupe key) is kept once.
  await db
    .deleteFrom('memories')
    .where('person_id', '=', fromPersonId)
    .where('dedupe_key', 'in', db.selectFrom('memories').select('dedupe_key').where('person_id', '=', intoPersonId))
    .execute();
  const moved = await db.updateTable('memories').set({ person_id: intoPersonId }).where('person_id', '=', fromPersonId).executeTakeFirst();
  // Two current facts per key now: the newer (valid_from, then id) supersedes each older one.
  await sql`
    update memories o set valid_to = n.valid_from, superseded_by = n.id
    from memories n
    where o.person_id = ${intoPersonId} and n.person_id = ${intoPersonId}
      and o.kind = 'fact' and n.kind = 'fact' and o.fact_key = n.fact_key
      and o.valid_to is null and n.valid_to is null and o.id <> n.id
      and (n.valid_from, n.id) > (o.valid_from, o.id)
      and not exists (
        select 1 from memories x where x.person_id = ${intoPersonId} and x.kind = 'fact' and x.fact_key = n.fact_key and x.valid_to is null
          and (x.valid_from, x.id) > (n.valid_from, n.id))`.execute(db);
  await sql`
    insert into memory_person_state (person_id, forgot_all_at)
    select ${intoPersonId}, forgot_all_at from memory_person_state where person_id = ${fromPersonId}
    on conflict (person_id) do update set forgot_all_at = greatest(memory_person_state.forgot_all_at, excluded.forgot_all_at)`.execute(db);
  await db.deleteFrom('memory_person_state').where('person_id', '=', fromPersonId).execute();
  await sql`
    insert into memory_consolidation_marks (person_id, platform, conversation_id, last_log_id, at)
    select ${intoPersonId}, platform, conversation_id, last_log_id, at from memory_consolidation_marks where person_id = ${fromPersonId}
    on conflict (person_id, platform, conversation_id) do update set last_log_id = greatest(memory_consolidation_marks.last_log_id, excluded.last_log_id)`.execute(db);
  await db.deleteFrom('memory_consolidation_marks').where('person_id', '=', fromPersonId).execute();
  return { moved: Number(moved.numUpdatedRows) };
}

/** Registers memories with identity's merge: `personMerger.register(memoriesOwnedTable)`. */
export const memoriesOwnedTable: PersonOwnedTable = {
  table: 'memories',
  async merge(trx, into, from) {
    await reassignMemories(trx, from, into);
  },
};
