import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** Ops incidents (one per sender group, while open), their alerts, and each incident's timeline. */
export const opsIncidents: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('ops_incident')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('group_key', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('firing', 'acknowledged', 'silenced', 'snoozed', 'escalated', 'resolved')`))
      .addColumn('severity', 'text', (c) => c.notNull())
      .addColumn('team', 'text')
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('group_labels', 'jsonb', (c) => c.notNull())
      .addColumn('common_labels', 'jsonb', (c) => c.notNull())
      .addColumn('common_annotations', 'jsonb', (c) => c.notNull())
      .addColumn('external_url', 'text')
      .addColumn('channel_id', 'text')
      .addColumn('acked_by', 'text')
      .addColumn('acked_at', 'timestamptz')
      .addColumn('resolved_by', 'text')
      .addColumn('resolved_at', 'timestamptz')
      .addColumn('silence_id', 'text')
      .addColumn('silenced_until', 'timestamptz')
      .addColumn('escalation_level', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('timer_token', 'text')
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('rendered_version', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .execute();
    // One open incident per group: a repeated or concurrent first notification finds it instead of opening another.
    await sql`create unique index ops_incident_open_group on ops_incident (group_key) where state <> 'resolved'`.execute(db);
    await db.schema.createIndex('ops_incident_state').on('ops_incident').columns(['state', 'updated_at']).execute();

    await db.schema
      .createTable('ops_alert')
      .addColumn('incident_id', 'text', (c) => c.notNull().references('ops_incident.id').onDelete('cascade'))
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('firing', 'resolved')`))
      .addColumn('labels', 'jsonb', (c) => c.notNull())
      .addColumn('annotations', 'jsonb', (c) => c.notNull())
      .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
      .addColumn('ends_at', 'timestamptz')
      .addColumn('generator_url', 'text')
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .addPrimaryKeyConstraint('ops_alert_pk', ['incident_id', 'fingerprint'])
      .execute();

    await db.schema
      .createTable('ops_timeline')
      .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
      .addColumn('incident_id', 'text', (c) => c.notNull().references('ops_incident.id').onDelete('cascade'))
      .addColumn('at', 'timestamptz', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('actor_id', 'text')
      .addColumn('actor_name', 'text')
      .addColumn('detail', 'text', (c) => c.notNull().defaultTo(''))
      /** The action's platform event id (or alert change key): one timeline entry per event. */
      .addColumn('event_id', 'text')
      .addUniqueConstraint('ops_timeline_event_unique', ['incident_id', 'event_id'])
      .execute();
    await db.schema.createIndex('ops_timeline_incident').on('ops_timeline').columns(['incident_id', 'id']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('ops_timeline').execute();
    await db.schema.dropTable('ops_alert').execute();
    await db.schema.dropTable('ops_incident').execute();
  },
};
