import { sql, type Kysely } from 'kysely';
import type { PersonId } from '../../identity/index.ts';
import type { Database } from '../../store/index.ts';
import { forgotAllAt } from './forget.ts';
import { MEMORY_COLUMNS, toMemory } from './memory-rows.ts';
import type { AccountsOf, Memory } from './memory-types.ts';

/** "Export my data": everything memory holds about one person, as one JSON document. */
export interface PersonDataExport {
  readonly format: 'helix-memory-export/1';
  readonly personId: PersonId;
  readonly exportedAt: string;
  readonly accounts: readonly { platform: string; accountId: string }[];
  /** Every memory, superseded facts included (with validTo and supersededBy). */
  readonly memories: readonly ExportedMemory[];
  /** What the person wrote, from the conversation log (since they last said "forget everything"). */
  readonly messages: readonly { platform: string; conversationId: string; eventId: string; at: string; text: string }[];
}

type ExportedMemory = Omit<Memory, 'validFrom' | 'validTo' | 'provenance'> & {
  validFrom: string;
  validTo: string | null;
  provenance: { platform: string | null; conversationId: string | null; eventId: string | null; at: string };
};

/** Builds the export document; its `JSON.stringify` is what the person receives. */
export async function exportPersonData(db: Kysely<Database>, personId: PersonId, accountsOf: AccountsOf, now: Date): Promise<PersonDataExport> {
  const accounts = await accountsOf(personId);
  const rows = await db.selectFrom('memories').select([...MEMORY_COLUMNS]).where('person_id', '=', personId).orderBy('valid_from').orderBy('id').execute();
  const since = await forgotAllAt(db, personId);
  const messages = accounts.length
    ? (
        await sql<{ platform: string; conversation_id: string; event_id: string; at: Date | string; text: string }>`
          select platform, conversation_id, event_id, at, text from conversation_log
          where role = 'user' and (platform, author_account_id) in (${sql.join(accounts.map((a) => sql`(${a.platform}, ${a.accountId})`))}) and at > ${since}
          order by at, id`.execute(db)
      ).rows
    : [];
  return {
    format: 'helix-memory-export/1',
    personId,
    exportedAt: now.toISOString(),
    accounts: accounts.map((a) => ({ platform: a.platform, accountId: a.accountId })),
    memories: rows.map(toMemory).map((m) => ({
      ...m,
      validFrom: m.validFrom.toISOString(),
      validTo: m.validTo?.toISOString() ?? null,
      provenance: { platform: m.provenance.platform ?? null, conversationId: m.provenance.conversationId ?? null, eventId: m.provenance.eventId ?? null, at: m.provenance.at.toISOString() },
    })),
    messages: messages.map((r) => ({ platform: r.platform, conversationId: r.conversation_id, eventId: r.event_id, at: new Date(r.at).toISOString(), text: r.text })),
  };
}
