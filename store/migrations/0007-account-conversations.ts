import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Each account's conversations and when it last spoke in each, kept by the conversation log's writes
 * (store/conversation-log.ts). The cross-conversation context (brain/memory/continuity.ts) reads a person's
 * most recently active other conversations from it instead of walking back through every line they wrote
 * until enough were outside the conversation being answered: for someone who talks in one DM that walk was
 * all of their history on every turn (3.9-6 ms at 10,000 lines on PGlite, measured). Filled from the log.
 */
export const accountConversations: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`create table if not exists account_conversations (
      platform text not null,
      account_id text not null,
      conversation_id text not null,
      last_at timestamptz not null,
      primary key (platform, account_id, conversation_id))`.execute(db);
    await sql`create index if not exists account_conversations_recent on account_conversations (platform, account_id, last_at desc)`.execute(db);
    // A person's newest lines in one conversation: the context reads a few from each of its conversations.
    await sql`create index if not exists conversation_log_author_conversation on conversation_log (platform, author_account_id, conversation_id, at, id) where role = 'user'`.execute(db);
    await sql`insert into account_conversations (platform, account_id, conversation_id, last_at)
      select platform, author_account_id, conversation_id, max(at) from conversation_log
      where role = 'user' and author_account_id is not null group by platform, author_account_id, conversation_id
      on conflict do nothing`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await sql`drop index if exists conversation_log_author_conversation`.execute(db);
    await sql`drop table if exists account_conversations`.execute(db);
  },
};
