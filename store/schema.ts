import type { ColumnType, Generated } from 'kysely';
import type { LinkCodesTable, MoodStateTable, PeopleTable, PersonMergesTable, PlatformAccountsTable, RelationshipStateTable } from './schema-people.ts';
import type { OpsAlertTable, OpsIncidentTable, OpsTimelineTable } from './schema-ops.ts';
import type { MemoriesTable, MemoryConsolidationMarksTable, MemoryPersonStateTable } from './schema-memories.ts';

/** One message of a conversation: a person's (role `user`) or Helix's (role `assistant`). */
export interface ConversationLogTable {
  id: Generated<string>;
  platform: string;
  conversation_id: string;
  /** The platform event id (user) or the reply id (assistant): unique per conversation, the idempotency key. */
  event_id: string;
  role: 'user' | 'assistant';
  author_account_id: string | null;
  author_name: string | null;
  text: string;
  at: ColumnType<Date, Date | string, Date | string>;
  trace_id: string | null;
}

/** When an account last spoke in each of its conversations (kept by the conversation log's writes). */
export interface AccountConversationsTable {
  platform: string;
  account_id: string;
  conversation_id: string;
  last_at: ColumnType<Date, Date | string, Date | string>;
}

/** Every table of the store, for Kysely's type checking. */
export interface Database {
  conversation_log: ConversationLogTable;
  account_conversations: AccountConversationsTable;
  people: PeopleTable;
  platform_accounts: PlatformAccountsTable;
  link_codes: LinkCodesTable;
  person_merges: PersonMergesTable;
  relationship_state: RelationshipStateTable;
  mood_state: MoodStateTable;
  ops_incident: OpsIncidentTable;
  ops_alert: OpsAlertTable;
  ops_timeline: OpsTimelineTable;
  memories: MemoriesTable;
  memory_person_state: MemoryPersonStateTable;
  memory_consolidation_marks: MemoryConsolidationMarksTable;
}
