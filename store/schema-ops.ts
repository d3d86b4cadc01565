import type { ColumnType, Generated, JSONColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null, Date | string | null>;

/** Incident states: firing → acknowledged → resolved, plus silenced, snoozed (acked with a short silence) and escalated. */
export type OpsIncidentState = 'firing' | 'acknowledged' | 'silenced' | 'snoozed' | 'escalated' | 'resolved';

/** One incident: the alerts of one sender group (Alertmanager's groupKey) while it is open. */
export interface OpsIncidentTable {
  id: string;
  source: 'alertmanager' | 'grafana';
  group_key: string;
  state: OpsIncidentState;
  severity: string;
  team: string | null;
  title: string;
  group_labels: JSONColumnType<Record<string, string>>;
  common_labels: JSONColumnType<Record<string, string>>;
  common_annotations: JSONColumnType<Record<string, string>>;
  external_url: string | null;
  channel_id: string | null;
  acked_by: string | null;
  acked_at: NullableTimestamp;
  resolved_by: string | null;
  resolved_at: NullableTimestamp;
  silence_id: string | null;
  silenced_until: NullableTimestamp;
  escalation_level: Generated<number>;
  /** The armed escalation timer's token; a timer job whose token differs is stale. */
  timer_token: string | null;
  version: Generated<number>;
  rendered_version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** One alert of an incident, by the sender's fingerprint. */
export interface OpsAlertTable {
  incident_id: string;
  fingerprint: string;
  status: 'firing' | 'resolved';
  labels: JSONColumnType<Record<string, string>>;
  annotations: JSONColumnType<Record<string, string>>;
  starts_at: Timestamp;
  ends_at: NullableTimestamp;
  generator_url: string | null;
  updated_at: Timestamp;
}

/** What happened to an incident, in order: alert changes and actions, with who and when. */
export interface OpsTimelineTable {
  id: Generated<string>;
  incident_id: string;
  at: Timestamp;
  kind: string;
  actor_id: string | null;
  actor_name: string | null;
  detail: Generated<string>;
  event_id: string | null;
}
