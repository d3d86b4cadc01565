import { sql, type Kysely } from 'kysely';
import type { PersonId } from '../../identity/index.ts';
import type { Database } from '../../store/index.ts';

/**
 * Forgetting deletes rows: the text, its vector (a column of the same row) and every summary that quotes
 * it are gone from recall and export at once. Nothing is kept "marked forgotten".
 */
export interface ForgetOutcome {
  /** Memories deleted (summaries included). */
  readonly deleted: number;
  /** The texts forgotten (to confirm in chat), summaries left out. */
  readonly texts: readonly string[];
}

/**
 * "Forget that": deletes the person's newest episodic note or fact, and any summary quoting it. A forgotten
 * fact that had superseded an older one makes the older one current again (the person withdrew the update).
 */
export async function forgetLast(db: Kysely<Database>, personId: PersonId): Promise<ForgetOutcome> {
  return db.transaction().execute(async (trx) => {
    const last = await trx
      .selectFrom('memories')
      .select(['id', 'text'])
      .where('person_id', '=', personId)
      .where('kind', '!=', 'summary')
      .where('valid_to', 'is', null)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!last) return { deleted: 0, texts: [] };
    const quoted = await trx.deleteFrom('memories').where('person_id', '=', personId).where('kind', '=', 'summary').where(sql<boolean>`position(lower(${last.text}) in lower(text)) > 0`).executeTakeFirst();
    await trx.deleteFrom('memories').where('person_id', '=', personId).where('id', '=', last.id).execute();
    await trx.updateTable('memories').set({ valid_to: null, superseded_by: null }).where('person_id', '=', personId).where('superseded_by', '=', String(last.id)).execute();
    return { deleted: 1 + Number(quoted.numDeletedRows), texts: [last.text] };
  });
}

/** "Forget <topic>": deletes every memory (current, superseded and summaries) whose text matches the topic in full text. */
export async function forgetTopic(db: Kysely<Database>, personId: PersonId, topic: string): Promise<ForgetOutcome> {
  const t = topic.trim();
  if (!t) return { deleted: 0, texts: [] };
  // A topic of stop words only ("it") makes an empty tsquery: fall back to a plain substring match.
  const { rows } = await sql<{ empty: boolean }>`select numnode(websearch_to_tsquery('english', ${t})) = 0 as empty`.execute(db);
  const match = rows[0]?.empty ? sql<boolean>`position(lower(${t}) in lower(text)) > 0` : sql<boolean>`tsv @@ websearch_to_tsquery('english', ${t})`;
  const deleted = await db.deleteFrom('memories').where('person_id', '=', personId).where(match).returning(['kind', 'text']).execute();
  return { deleted: deleted.length, texts: deleted.filter((d) => d.kind !== 'summary').map((d) => d.text) };
}

/**
 * "Forget everything": deletes every memory of the person and records when, so memory ignores their older
 * conversation-log lines from now on (no consolidation re-extracts them, no cross-platform context shows them).
 */
export async function forgetAll(db: Kysely<Database>, personId: PersonId, now: Date): Promise<ForgetOutcome> {
  return db.transaction().execute(async (trx) => {
    const deleted = await trx.deleteFrom('memories').where('person_id', '=', personId).executeTakeFirst();
    await trx
      .insertInto('memory_person_state')
      .values({ person_id: personId, forgot_all_at: now })
      .onConflict((oc) => oc.column('person_id').doUpdateSet({ forgot_all_at: now }))
      .execute();
    return { deleted: Number(deleted.numDeletedRows), texts: [] };
  });
}

/** When the person last said "forget everything" (epoch when never). */
export async function forgotAllAt(db: Kysely<Database>, personId: PersonId): Promise<Date> {
  const row = await db.selectFrom('memory_person_state').select('forgot_all_at').where('person_id', '=', personId).executeTakeFirst();
  const at = row?.forgot_all_at;
  return at ? (at instanceof Date ? at : new Date(at)) : new Date(0);
}
