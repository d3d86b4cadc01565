import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * People and their platform accounts (identity), one-time link codes (stored hashed), the audit of
 * every link and unlink, per-person relationship state and Helix's global mood.
 */
export const people: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('people')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema
      .createTable('platform_accounts')
      .addColumn('platform', 'text', (c) => c.notNull())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('person_id', 'uuid', (c) => c.notNull().references('people.id'))
      .addColumn('display_name', 'text')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint('platform_accounts_pk', ['platform', 'account_id'])
      .execute();
    await db.schema.createIndex('platform_accounts_person').on('platform_accounts').column('person_id').execute();
    await db.schema
      .createTable('link_codes')
      .addColumn('code_hash', 'text', (c) => c.primaryKey())
      .addColumn('person_id', 'uuid', (c) => c.notNull().references('people.id').onDelete('cascade'))
      .addColumn('platform', 'text', (c) => c.notNull())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .addColumn('used_at', 'timestamptz')
      .execute();
    await db.schema.createIndex('link_codes_person').on('link_codes').column('person_id').execute();
    await db.schema
      .createTable('person_merges')
      .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('link', 'unlink')`))
      .addColumn('into_person', 'uuid', (c) => c.notNull())
      .addColumn('from_person', 'uuid', (c) => c.notNull())
      .addColumn('actor_platform', 'text', (c) => c.notNull())
      .addColumn('actor_account_id', 'text', (c) => c.notNull())
      .addColumn('accounts', 'jsonb', (c) => c.notNull())
      .addColumn('at', 'timestamptz', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('relationship_state')
      .addColumn('person_id', 'uuid', (c) => c.primaryKey().references('people.id').onDelete('cascade'))
      .addColumn('warmth', 'double precision', (c) => c.notNull())
      .addColumn('trust', 'double precision', (c) => c.notNull())
      .addColumn('familiarity', 'double precision', (c) => c.notNull())
      .addColumn('turns', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('mood_state')
      .addColumn('id', 'smallint', (c) => c.primaryKey().check(sql`id = 1`))
      .addColumn('pleasure', 'double precision', (c) => c.notNull())
      .addColumn('arousal', 'double precision', (c) => c.notNull())
      .addColumn('dominance', 'double precision', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>) {
    for (const t of ['mood_state', 'relationship_state', 'person_merges', 'link_codes', 'platform_accounts', 'people']) await db.schema.dropTable(t).execute();
  },
};
