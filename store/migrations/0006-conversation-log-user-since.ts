import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * A person's messages in one conversation after a given entry: the count that decides when to consolidate
 * memories runs after every turn (brain/memory/remember-turn.ts), and consolidation reads the same range.
 * Without this index both walked every message the person ever wrote on the platform (the author index) and
 * grew with the person's history: 5.5 ms per turn at 20,000 messages on PGlite, measured. With it they read
 * only the messages since the last consolidation (at most a few dozen).
 */
export const conversationLogUserSince: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`create index if not exists conversation_log_user_since on conversation_log (platform, conversation_id, author_account_id, id) where role = 'user'`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await sql`drop index if exists conversation_log_user_since`.execute(db);
  },
};
