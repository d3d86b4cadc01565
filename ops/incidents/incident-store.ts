import { randomBytes } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { OpsAlertBatch } from '../../mesh/index.ts';
import type { Database } from '../../store/index.ts';
import { endOf, foldAlerts, type KnownAlert } from './fold-alerts.ts';
import type { Incident, IncidentAlert, IncidentState, TimelineEntry } from './incident.ts';
import { severityOf, worstSeverity, type OpsSeverity } from './severity.ts';
import { transition, type IncidentEvent } from './transitions.ts';

type Db = Kysely<Database> | Transaction<Database>;
type IncidentRow = Selectable<Database['ops_incident']>;

/** Picks the Discord channel of a new incident. */
export type ChannelRouter = (severity: OpsSeverity, team: string | undefined) => string | undefined;

/** What folding a notification did. */
export type BatchOutcome =
  | { kind: 'ignored'; reason: string; /** The group's latest (resolved) incident, if any. */ incident?: Incident }
  | { kind: 'duplicate'; incident: Incident }
  | { kind: 'opened' | 'updated' | 'resolved'; incident: Incident; changes: number };

/** Who did something, for the timeline. */
export interface Actor {
  id: string;
  name: string;
}

/** A change an action makes besides the state (set inside the same transaction). */
export interface ActionPatch {
  ackedBy?: string;
  silenceId?: string | null;
  silencedUntil?: Date | null;
  escalationLevel?: number;
  timerToken?: string | null;
}

/** Result of an action on an incident. */
export type ActionOutcome = { ok: true; incident: Incident; repeated: boolean } | { ok: false; reason: string; incident: Incident | undefined };

/** A new incident id: short, readable, safe in a button's custom id and a job id. */
export function newIncidentId(): string {
  return `inc-${randomBytes(5).toString('hex')}`;
}

/** A fresh timer token (a timer job carrying another one is stale). */
export function newTimerToken(): string {
  return randomBytes(8).toString('hex');
}

function toIncident(r: IncidentRow): Incident {
  return {
    id: r.id,
    source: r.source,
    groupKey: r.group_key,
    state: r.state,
    severity: severityOf(r.severity),
    team: r.team ?? undefined,
    title: r.title,
    groupLabels: r.group_labels,
    commonLabels: r.common_labels,
    commonAnnotations: r.common_annotations,
    externalUrl: r.external_url ?? undefined,
    channelId: r.channel_id ?? undefined,
    ackedBy: r.acked_by ?? undefined,
    ackedAt: r.acked_at ?? undefined,
    resolvedBy: r.resolved_by ?? undefined,
    resolvedAt: r.resolved_at ?? undefined,
    silenceId: r.silence_id ?? undefined,
    silencedUntil: r.silenced_until ?? undefined,
    escalationLevel: r.escalation_level,
    timerToken: r.timer_token ?? undefined,
    version: r.version,
    renderedVersion: r.rendered_version,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

/**
 * A title from the group: the alert name and, when there is one, the summary; without a common summary (a group
 * of alerts with different ones, such as an SLO's page and ticket alerts), the service and SLO labels say what burns.
 */
export function titleOf(labels: Record<string, string>, annotations: Record<string, string>): string {
  const name = labels.alertname ?? Object.values(labels)[0] ?? 'alert';
  const summary = annotations.summary ?? annotations.title;
  if (summary) return `${name}: ${summary}`;
  const scope = [labels.service, labels.slo].filter(Boolean).join(' ');
  return scope ? `${name}: ${scope}` : name;
}

/** Strictly after the incident's last change, so the Discord edit order follows the incident's. */
function nextStamp(now: Date, prev: Date): Date {
  return new Date(Math.max(now.getTime(), prev.getTime() + 1));
}

/** Incidents, their alerts and timeline in the store. Every change is one transaction. */
export class IncidentStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /**
   * Folds one notification into its group's open incident (opening it on the first firing alert).
   * Repeats (same groupKey + fingerprint + status) change nothing; the incident resolves by itself
   * when every alert has resolved.
   */
  async applyBatch(batch: OpsAlertBatch, now: Date, route: ChannelRouter): Promise<BatchOutcome> {
    return this.#db.transaction().execute(async (trx) => {
      // The group's newest incident: the open one if any (a new one opens only when none is open).
      const latest = await trx.selectFrom('ops_incident').selectAll().where('group_key', '=', batch.groupKey).orderBy('created_at', 'desc').limit(1).forUpdate().executeTakeFirst();
      let row = latest && latest.state !== 'resolved' ? latest : undefined;
      let known = new Map<string, KnownAlert>();
      let opened = false;
      if (!row) {
        const closed = latest ? { incident: toIncident(latest) } : {};
        if (!batch.alerts.some((a) => a.status === 'firing')) return { kind: 'ignored', reason: 'no open incident for a notification without firing alerts', ...closed };
        // A repeat of what a closed incident already holds (e.g. resolved from chat while Alertmanager still re-sends) opens nothing.
        if (latest && foldAlerts(await this.#known(trx, latest.id), batch.alerts).every((c) => c.kind === 'same')) return { kind: 'ignored', reason: 'repeat of a closed incident', ...closed };
        const severity = worstSeverity(batch.alerts.filter((a) => a.status === 'firing').map((a) => severityOf(a.labels.severity ?? batch.commonLabels.severity)));
        const team = batch.commonLabels.team ?? batch.groupLabels.team;
        const inserted = await trx
          .insertInto('ops_incident')
          .values({
            id: newIncidentId(),
            source: batch.source,
            group_key: batch.groupKey,
            state: 'firing',
            severity,
            team: team ?? null,
            title: titleOf(batch.commonLabels, batch.commonAnnotations),
            group_labels: JSON.stringify(batch.groupLabels),
            common_labels: JSON.stringify(batch.commonLabels),
            common_annotations: JSON.stringify(batch.commonAnnotations),
            external_url: batch.externalURL || null,
            channel_id: route(severity, team) ?? null,
            created_at: now,
            updated_at: now,
          })
          .onConflict((oc) => oc.column('group_key').where('state', '<>', 'resolved').doNothing())
          .returningAll()
          .executeTakeFirst();
        // Lost a race with a concurrent first notification (PostgreSQL): take the incident it opened.
        row = inserted ?? (await trx.selectFrom('ops_incident').selectAll().where('group_key', '=', batch.groupKey).where('state', '<>', 'resolved').forUpdate().executeTakeFirst());
        if (!row) throw new Error(`incident for group ${batch.groupKey} vanished while opening it`);
        opened = Boolean(inserted);
        if (!opened) known = await this.#known(trx, row.id);
      } else {
        known = await this.#known(trx, row.id);
      }
      const incidentId = row.id;
      const changes = foldAlerts(known, batch.alerts).filter((c) => c.kind !== 'same');
      if (!changes.length && !opened) return { kind: 'duplicate', incident: toIncident(row) };
      const stamp = nextStamp(now, new Date(row.updated_at));
      if (changes.length) {
        const values = changes.map(({ alert }) => ({
          incident_id: incidentId,
          fingerprint: alert.fingerprint,
          status: alert.status,
          labels: JSON.stringify(alert.labels),
          annotations: JSON.stringify(alert.annotations),
          starts_at: Number.isNaN(Date.parse(alert.startsAt)) ? now : new Date(alert.startsAt),
          ends_at: alert.status === 'resolved' ? (endOf(alert) ?? now) : null,
          generator_url: alert.generatorURL ?? alert.panelURL ?? alert.dashboardURL ?? null,
          updated_at: stamp,
        }));
        await trx
          .insertInto('ops_alert')
          .values(values)
          .onConflict((oc) =>
            oc.columns(['incident_id', 'fingerprint']).doUpdateSet((eb) => ({
              status: eb.ref('excluded.status'),
              labels: eb.ref('excluded.labels'),
              annotations: eb.ref('excluded.annotations'),
              starts_at: eb.ref('excluded.starts_at'),
              ends_at: eb.ref('excluded.ends_at'),
              generator_url: eb.ref('excluded.generator_url'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute();
        await trx
          .insertInto('ops_timeline')
          .values(changes.map(({ alert }) => ({
            incident_id: incidentId,
            at: stamp,
            kind: alert.status === 'firing' ? 'alert_firing' : 'alert_resolved',
            actor_id: null,
            actor_name: null,
            detail: `${alert.labels.alertname ?? 'alert'} (${alert.fingerprint}) ${alert.status}`.slice(0, 2_000),
            event_id: `alert-${alert.fingerprint}-${alert.status}-${alert.startsAt}`.slice(0, 512),
          })))
          .onConflict((oc) => oc.columns(['incident_id', 'event_id']).doNothing())
          .execute();
      }
      // Every alert of the incident after this notification: what was known, with the changes applied.
      const status = new Map<string, { status: 'firing' | 'resolved'; severity: string | undefined }>();
      for (const [fp, k] of known) status.set(fp, { status: k.status, severity: k.severity });
      for (const { alert } of changes) status.set(alert.fingerprint, { status: alert.status, severity: alert.labels.severity });
      const firing = [...status.values()].filter((a) => a.status === 'firing');
      let state: IncidentState = row.state;
      const patch: Record<string, unknown> = {};
      if (firing.length === 0) {
        const t = transition(row.state, Boolean(row.acked_at), { type: 'alerts_resolved' });
        if (t.ok) {
          state = t.state;
          Object.assign(patch, { resolved_at: stamp, resolved_by: batch.source, timer_token: null });
          await this.#timeline(trx, incidentId, stamp, 'resolved', undefined, 'every alert resolved', `resolved-${batch.eventId}`);
        }
      } else {
        patch.severity = worstSeverity(firing.map((a) => severityOf(a.severity ?? batch.commonLabels.severity)));
      }
      const updated = await trx
        .updateTable('ops_incident')
        .set({
          ...patch,
          state,
          common_labels: JSON.stringify(batch.commonLabels),
          common_annotations: JSON.stringify(batch.commonAnnotations),
          group_labels: JSON.stringify(batch.groupLabels),
          title: titleOf(batch.commonLabels, batch.commonAnnotations),
          version: row.version + 1,
          updated_at: stamp,
        })
        .where('id', '=', incidentId)
        .returningAll()
        .executeTakeFirstOrThrow();
      const incident = toIncident(updated);
      return { kind: opened ? 'opened' : state === 'resolved' ? 'resolved' : 'updated', incident, changes: changes.length };
    });
  }

  /**
   * Applies one action (from chat, or a timer) as a state transition, with its timeline entry, in one
   * transaction. `eventId` makes it idempotent: an action already in the timeline is not applied twice.
   */
  async applyAction(incidentId: string, event: IncidentEvent, actor: Actor | undefined, detail: string, eventId: string, now: Date, patch: ActionPatch = {}): Promise<ActionOutcome> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('ops_incident').selectAll().where('id', '=', incidentId).forUpdate().executeTakeFirst();
      if (!row) return { ok: false, reason: `there is no incident ${incidentId}`, incident: undefined };
      const seen = await trx.selectFrom('ops_timeline').select('id').where('incident_id', '=', incidentId).where('event_id', '=', eventId).executeTakeFirst();
      if (seen) return { ok: true, incident: toIncident(row), repeated: true };
      const t = transition(row.state, Boolean(row.acked_at), event);
      if (!t.ok) return { ok: false, reason: `${incidentId} cannot take that: ${t.reason}`, incident: toIncident(row) };
      const stamp = nextStamp(now, new Date(row.updated_at));
      const set: Record<string, unknown> = { state: t.state, version: row.version + 1, updated_at: stamp };
      if (event.type === 'ack') Object.assign(set, { acked_at: stamp, acked_by: patch.ackedBy ?? actor?.name ?? null, timer_token: null });
      if (event.type === 'resolve') Object.assign(set, { resolved_at: stamp, resolved_by: actor?.name ?? null, timer_token: null });
      if (event.type === 'silence') set.timer_token = null;
      if (patch.silenceId !== undefined) set.silence_id = patch.silenceId;
      if (patch.silencedUntil !== undefined) set.silenced_until = patch.silencedUntil;
      if (patch.escalationLevel !== undefined) set.escalation_level = patch.escalationLevel;
      if (patch.timerToken !== undefined) set.timer_token = patch.timerToken;
      const updated = await trx.updateTable('ops_incident').set(set).where('id', '=', incidentId).returningAll().executeTakeFirstOrThrow();
      await this.#timeline(trx, incidentId, stamp, event.type, actor, detail, eventId);
      return { ok: true, incident: toIncident(updated), repeated: false };
    });
  }

  /** Adds a timeline line that changes no state (a note, a refusal, a failed silence). Idempotent per event id. */
  async note(incidentId: string, kind: string, actor: Actor | undefined, detail: string, eventId: string, now: Date, bump = false): Promise<Incident | undefined> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('ops_incident').selectAll().where('id', '=', incidentId).forUpdate().executeTakeFirst();
      if (!row) return undefined;
      const stamp = nextStamp(now, new Date(row.updated_at));
      const added = await this.#timeline(trx, incidentId, stamp, kind, actor, detail, eventId);
      if (!bump || !added) return toIncident(row);
      return toIncident(await trx.updateTable('ops_incident').set({ version: row.version + 1, updated_at: stamp }).where('id', '=', incidentId).returningAll().executeTakeFirstOrThrow());
    });
  }

  /**
   * Forgets the incident's Alertmanager silence once it was expired (the incident stays in its state), with
   * a timeline entry. Only clears `silenceId` if it is still the current one; idempotent per event id.
   * Returns the incident when something changed.
   */
  async clearSilence(incidentId: string, silenceId: string, detail: string, eventId: string, now: Date): Promise<Incident | undefined> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('ops_incident').selectAll().where('id', '=', incidentId).forUpdate().executeTakeFirst();
      if (!row || row.silence_id !== silenceId) return undefined;
      const stamp = nextStamp(now, new Date(row.updated_at));
      await this.#timeline(trx, incidentId, stamp, 'silence_expired', undefined, detail, eventId);
      const updated = await trx.updateTable('ops_incident').set({ silence_id: null, silenced_until: null, version: row.version + 1, updated_at: stamp }).where('id', '=', incidentId).returningAll().executeTakeFirstOrThrow();
      return toIncident(updated);
    });
  }

  /** The newest timeline entry of one kind (the last SLO budget reading), if any. */
  async latestEntry(incidentId: string, kind: string): Promise<TimelineEntry | undefined> {
    const r = await this.#db.selectFrom('ops_timeline').selectAll().where('incident_id', '=', incidentId).where('kind', '=', kind).orderBy('id', 'desc').limit(1).executeTakeFirst();
    return r ? { at: new Date(r.at), kind: r.kind, actorId: r.actor_id ?? undefined, actorName: r.actor_name ?? undefined, detail: r.detail } : undefined;
  }

  /** Sets (or clears) the armed escalation timer's token. */
  async armTimer(incidentId: string, token: string | null): Promise<void> {
    await this.#db.updateTable('ops_incident').set({ timer_token: token }).where('id', '=', incidentId).execute();
  }

  /** Marks `version` as rendered; false when an equal or newer version was rendered already (nothing to send). */
  async claimRender(incidentId: string, version: number): Promise<boolean> {
    const r = await this.#db.updateTable('ops_incident').set({ rendered_version: version }).where('id', '=', incidentId).where('rendered_version', '<', version).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async get(incidentId: string): Promise<Incident | undefined> {
    const row = await this.#db.selectFrom('ops_incident').selectAll().where('id', '=', incidentId).executeTakeFirst();
    return row ? toIncident(row) : undefined;
  }

  async alerts(incidentId: string): Promise<IncidentAlert[]> {
    const rows = await this.#db.selectFrom('ops_alert').selectAll().where('incident_id', '=', incidentId).orderBy('starts_at').execute();
    return rows.map((r) => ({
      fingerprint: r.fingerprint,
      status: r.status,
      labels: r.labels,
      annotations: r.annotations,
      startsAt: new Date(r.starts_at),
      endsAt: r.ends_at ? new Date(r.ends_at) : undefined,
      generatorUrl: r.generator_url ?? undefined,
    }));
  }

  /** The last `limit` timeline entries, oldest first. */
  async timeline(incidentId: string, limit = 100): Promise<TimelineEntry[]> {
    const rows = await this.#db.selectFrom('ops_timeline').selectAll().where('incident_id', '=', incidentId).orderBy('id', 'desc').limit(limit).execute();
    return rows.reverse().map((r) => ({ at: new Date(r.at), kind: r.kind, actorId: r.actor_id ?? undefined, actorName: r.actor_name ?? undefined, detail: r.detail }));
  }

  /** Open incidents, most recently changed first (optionally in one channel). */
  async open(channelId?: string, limit = 50): Promise<Incident[]> {
    let q = this.#db.selectFrom('ops_incident').selectAll().where('state', '<>', 'resolved');
    if (channelId) q = q.where('channel_id', '=', channelId);
    const rows = await q.orderBy('updated_at', 'desc').limit(limit).execute();
    return rows.map(toIncident);
  }

  /** Every incident ever opened for a group key (oldest first). */
  async byGroup(groupKey: string): Promise<Incident[]> {
    const rows = await this.#db.selectFrom('ops_incident').selectAll().where('group_key', '=', groupKey).orderBy('created_at').execute();
    return rows.map(toIncident);
  }

  async #openRow(trx: Db, groupKey: string): Promise<IncidentRow | undefined> {
    return trx.selectFrom('ops_incident').selectAll().where('group_key', '=', groupKey).where('state', '<>', 'resolved').forUpdate().executeTakeFirst();
  }

  async #known(trx: Db, incidentId: string): Promise<Map<string, KnownAlert>> {
    const rows = await trx.selectFrom('ops_alert').select(['fingerprint', 'status', 'starts_at', 'labels']).where('incident_id', '=', incidentId).execute();
    return new Map(rows.map((r) => [r.fingerprint, { status: r.status, startsAt: new Date(r.starts_at), severity: r.labels.severity }]));
  }

  /** Adds a timeline entry; false when one with this event id exists already. */
  async #timeline(trx: Db, incidentId: string, at: Date, kind: string, actor: Actor | undefined, detail: string, eventId: string): Promise<boolean> {
    const r = await trx
      .insertInto('ops_timeline')
      .values({ incident_id: incidentId, at, kind, actor_id: actor?.id ?? null, actor_name: actor?.name ?? null, detail: detail.slice(0, 2_000), event_id: eventId.slice(0, 512) })
      .onConflict((oc) => oc.columns(['incident_id', 'event_id']).doNothing())
      .returning('id')
      .executeTakeFirst();
    return r !== undefined;
  }
}
