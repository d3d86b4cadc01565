import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** Per-conversation history for the turn loop. */
export const conversationLog: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('conversation_log')
      .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
      .addColumn('platform', 'text', (c) => c.notNull())
      .addColumn('conversation_id', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('user', 'assistant')`))
      .addColumn('author_account_id', 'text')
      .addColumn('author_name', 'text')
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('at', 'timestamptz', (c) => c.notNull())
      .addColumn('trace_id', 'text')
      .addUniqueConstraint('conversation_log_event_unique', ['platform', 'conversation_id', 'event_id'])
      .execute();
    await db.schema.createIndex('conversation_log_recent').on('conversation_log').columns(['platform', 'conversation_id', 'at', 'id']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('conversation_log').execute();
  },
};
