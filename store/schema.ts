import type { ColumnType, Generated } from 'kysely';

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

/** Every table of the store, for Kysely's type checking. */
export interface Database {
  conversation_log: ConversationLogTable;
}
