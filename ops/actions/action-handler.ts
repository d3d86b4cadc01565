import { READ_ONLY_OPS_ACTIONS, hasErrorCode, type OpsAction, type Logger } from '../../mesh/index.ts';
import type { OpsSection } from '../../config/index.ts';
import type { SilenceClient } from '../alertmanager/silences.ts';
import { matchersFor } from '../alertmanager/silences.ts';
import { releaseSilence } from '../alertmanager/release-silence.ts';
import type { Publisher } from '../discord/publisher.ts';
import type { Escalator } from '../escalation/escalator.ts';
import { PageResolveError } from '../escalation/resolve-pages.ts';
import type { Incident } from '../incidents/incident.ts';
import type { Actor, ActionOutcome, IncidentStore } from '../incidents/incident-store.ts';
import type { OpsMetrics } from '../ops-metrics.ts';
import { formatDuration } from '../discord/render-incident.ts';
import { renderSloBudgets } from '../slo/render.ts';
import type { SloStatus } from '../slo/slo-status.ts';

export interface ActionHandlerOptions {
  store: IncidentStore;
  publisher: Publisher;
  escalator: Escalator;
  silences: SilenceClient;
  /** Error budgets for `/slo`. */
  slo: SloStatus;
  ops: OpsSection;
  metrics: OpsMetrics;
  log: Logger;
  now?: () => Date;
}

/** Default length of a silence asked for without one (`/incident silence` with no minutes). */
const DEFAULT_SILENCE_SEC = 3_600;

/** Whether someone holding `roles` may act on incidents. No configured on-call role means nobody may. Pure. */
export function mayAct(roles: readonly string[], onCallRoleIds: readonly string[]): boolean {
  return roles.some((r) => onCallRoleIds.includes(r));
}

/**
 * Handles one ops action from chat: checks the person holds an on-call role (others get a private
 * refusal, recorded in the timeline), applies it (Alertmanager silences for silence / unsilence),
 * records who did what, edits the incident message and answers the person privately.
 */
export class ActionHandler {
  readonly #o: ActionHandlerOptions;
  readonly #now: () => Date;

  constructor(opts: ActionHandlerOptions) {
    this.#o = opts;
    this.#now = opts.now ?? (() => new Date());
  }

  async handle(action: OpsAction): Promise<string> {
    const { metrics } = this.#o;
    const answer = (text: string) => this.#o.publisher.answer(action.eventId, action.conversation, action.reply, text, action.traceparent);
    const actor: Actor = { id: action.actor.accountId, name: action.actor.displayName };
    // Read-only questions are answered for anyone: they change nothing, and on-call status and SLO budgets
    // are what everyone in an ops channel should be able to see.
    if (READ_ONLY_OPS_ACTIONS.has(action.action)) {
      if (action.action === 'slo') return this.#slo(action);
      await answer(this.#o.escalator.schedule.describe(this.#now()));
      metrics.actions.inc({ action: 'oncall', outcome: 'done' });
      return 'oncall';
    }
    const incident = await this.#find(action);
    if (!mayAct(action.actor.roles, this.#o.ops.onCallRoleIds)) {
      if (incident) await this.#o.store.note(incident.id, 'refused', actor, `${action.action} refused: not in an on-call role`, `refused-${action.eventId}`, this.#now());
      await answer(`Only on-call members can ${action.action} incidents, so I did nothing. Ask whoever is on call (\`/oncall\`).`);
      metrics.actions.inc({ action: action.action, outcome: 'refused' });
      this.#o.log.info({ action: action.action, actor: actor.id, incident: incident?.id }, 'ops action refused: not on call');
      return 'refused';
    }
    if (!incident) {
      await answer(action.incidentId ? `There is no incident ${action.incidentId}.` : 'Which incident? Give its id (e.g. `/incident ack id:inc-…`): more than one is open, or none is.');
      metrics.actions.inc({ action: action.action, outcome: 'unknown_incident' });
      return 'unknown_incident';
    }
    const outcome = await this.#apply(action, incident, actor);
    if (!outcome.ok) {
      await answer(`Nothing changed: ${outcome.reason}.`);
      metrics.actions.inc({ action: action.action, outcome: 'rejected' });
      return 'rejected';
    }
    await this.#o.publisher.publish(incident.id, action.traceparent);
    // Resolving ends Helix's silence and the pages too (also on a retry of this job, until each took it).
    let silenceError: unknown;
    let pageError: unknown;
    let message = outcome.message;
    if (action.action === 'resolve') {
      const resolved = await this.#o.store.get(incident.id);
      const silenceId = resolved?.silenceId;
      const released = resolved ? await releaseSilence(resolved, { ...this.#o, now: this.#now }, action.traceparent).catch((err: unknown) => ((silenceError = err), 'failed' as const)) : 'none';
      if (released === 'expired') message += ` Its Alertmanager silence ${silenceId} is expired.`;
      else if (released !== 'none') message += ` Alertmanager did not expire its silence ${silenceId}${released === 'failed' ? ' yet; I keep trying' : ''} (see the incident timeline).`;
      // Every transport that paged it gets the resolve (once; a failed one is retried with this job).
      const resolvedPages = resolved ? await this.#o.escalator.resolvePages(resolved, action.traceparent).catch((err: unknown) => ((pageError = err), err instanceof PageResolveError ? err.sent : [])) : [];
      if (resolvedPages.length) message += ` The page is resolved (${resolvedPages.join(', ')}).`;
      if (hasErrorCode(pageError, 'page_refused')) message += ' The paging service refused the resolve (see the incident timeline): resolve the page there by hand.';
      else if (pageError) message += ' Resolving the page did not go through everywhere yet; I keep trying (see the incident timeline).';
    }
    if (!outcome.repeated) await answer(message);
    if (silenceError) throw silenceError;
    if (pageError) throw pageError;
    metrics.actions.inc({ action: action.action, outcome: 'done' });
    this.#o.log.info({ action: action.action, actor: actor.id, incident: incident.id }, 'ops action applied');
    return action.action;
  }

  async #apply(action: OpsAction, incident: Incident, actor: Actor): Promise<{ ok: true; repeated: boolean; message: string } | { ok: false; reason: string }> {
    const { store, escalator, ops } = this.#o;
    const now = this.#now();
    const done = (r: ActionOutcome, message: string) => (r.ok ? { ok: true as const, repeated: r.repeated, message } : { ok: false as const, reason: r.reason });
    switch (action.action) {
      case 'ack': {
        let silence: { id: string; until: Date } | undefined;
        if (ops.ackSilenceMinutes > 0 && incident.state !== 'silenced') {
          silence = await this.#silence(incident, actor, ops.ackSilenceMinutes * 60, now, 'acknowledged').catch((err: Error) => {
            this.#o.log.warn({ incident: incident.id, err: err.message }, 'acknowledged without the short silence: Alertmanager failed');
            return undefined;
          });
        }
        const r = await store.applyAction(incident.id, { type: 'ack', withSilence: Boolean(silence) }, actor, silence ? `acknowledged (silenced until ${silence.until.toISOString()})` : 'acknowledged', action.eventId, now, {
          ackedBy: actor.name,
          ...(silence ? { silenceId: silence.id, silencedUntil: silence.until } : {}),
        });
        if (r.ok && silence && !r.repeated) await escalator.armSilenceEnd(r.incident, silence.until, silence.id);
        return done(r, `You acknowledged ${incident.id}.`);
      }
      case 'resolve': {
        const r = await store.applyAction(incident.id, { type: 'resolve' }, actor, 'resolved from chat', action.eventId, now);
        return done(r, `You resolved ${incident.id}.`);
      }
      case 'silence': {
        if (incident.state === 'resolved') return { ok: false, reason: `${incident.id} is already resolved` };
        const sec = action.durationSec ?? DEFAULT_SILENCE_SEC;
        let silence: { id: string; until: Date };
        try {
          silence = await this.#silence(incident, actor, sec, now, 'silenced');
        } catch (err) {
          await store.note(incident.id, 'silence_failed', actor, (err as Error).message, `silence-failed-${action.eventId}`, now);
          return { ok: false, reason: `Alertmanager did not take the silence (${(err as Error).message})` };
        }
        const r = await store.applyAction(incident.id, { type: 'silence' }, actor, `silenced for ${formatDuration(sec * 1_000)} (silence ${silence.id})`, action.eventId, now, { silenceId: silence.id, silencedUntil: silence.until });
        if (r.ok && !r.repeated) await escalator.armSilenceEnd(r.incident, silence.until, silence.id);
        return done(r, `You silenced ${incident.id} for ${formatDuration(sec * 1_000)} (Alertmanager silence ${silence.id}).`);
      }
      case 'unsilence': {
        if (incident.silenceId) {
          try {
            await this.#o.silences.expire(incident.silenceId);
          } catch (err) {
            return { ok: false, reason: `Alertmanager did not expire the silence (${(err as Error).message})` };
          }
        }
        const r = await store.applyAction(incident.id, { type: 'unsilence' }, actor, 'silence lifted', action.eventId, now, { silenceId: null, silencedUntil: null });
        if (r.ok && !r.repeated) await escalator.arm(r.incident, action.traceparent);
        return done(r, `You lifted the silence on ${incident.id}.`);
      }
      case 'escalate': {
        if (incident.state === 'resolved' || incident.state === 'silenced') return { ok: false, reason: `${incident.id} is ${incident.state}` };
        const step = await escalator.escalate(incident, actor, action.eventId, action.traceparent);
        if (step === 'stale') return { ok: false, reason: `${incident.id} could not be escalated` };
        return { ok: true, repeated: step === 'repeated', message: `You escalated ${incident.id}.` };
      }
      case 'note': {
        const text = (action.note ?? '').trim();
        if (!text) return { ok: false, reason: 'the note is empty' };
        const updated = await store.note(incident.id, 'note', actor, text, action.eventId, now, true);
        return updated ? { ok: true, repeated: false, message: `Noted on ${incident.id}.` } : { ok: false, reason: `there is no incident ${incident.id}` };
      }
      default:
        return { ok: false, reason: `unknown action ${action.action}` };
    }
  }

  /**
   * `/slo [service] [share]`: every SLO's objective, error budget left and burn rate, read from Prometheus now.
   * Private by default (a status check should not fill the channel); `share` posts the card in the channel, and
   * the asker gets a short private confirmation. When there is nothing to show, only the asker hears why.
   */
  async #slo(action: OpsAction): Promise<string> {
    const { publisher, metrics } = this.#o;
    const status = await this.#o.slo.budgets(action.service);
    if (!status.ok) {
      await publisher.answer(action.eventId, action.conversation, action.reply, status.reason, action.traceparent);
      metrics.actions.inc({ action: 'slo', outcome: 'unavailable' });
      this.#o.log.info({ service: action.service, reason: status.reason.split('\n')[0] }, '/slo answered without budgets');
      return 'slo_unavailable';
    }
    const embed = renderSloBudgets(status.budgets, { now: this.#now(), ...(action.service ? { service: action.service } : {}) });
    if (action.share) {
      const footer = `Shared by ${action.actor.displayName}${embed.footer ? ` · ${embed.footer}` : ''}`.slice(0, 2_048);
      await publisher.share(action.eventId, action.conversation, [{ ...embed, footer }], action.traceparent);
      await publisher.answer(action.eventId, action.conversation, action.reply, 'Posted the SLO status in this channel.', action.traceparent);
    } else {
      await publisher.answer(action.eventId, action.conversation, action.reply, '', action.traceparent, [embed]);
    }
    metrics.actions.inc({ action: 'slo', outcome: action.share ? 'shared' : 'done' });
    return 'slo';
  }

  async #silence(incident: Incident, actor: Actor, sec: number, now: Date, why: string): Promise<{ id: string; until: Date }> {
    const until = new Date(now.getTime() + sec * 1_000);
    const id = await this.#o.silences.create({
      matchers: matchersFor(incident.commonLabels, incident.groupLabels),
      startsAt: now,
      endsAt: until,
      createdBy: `${actor.name} (discord ${actor.id}) via Helix`,
      comment: `Helix incident ${incident.id} ${why} from Discord by ${actor.name}`,
    });
    return { id, until };
  }

  /** The incident an action names; without an id, the one open incident of the channel (if exactly one). */
  async #find(action: OpsAction): Promise<Incident | undefined> {
    if (action.incidentId) return this.#o.store.get(action.incidentId);
    const open = await this.#o.store.open(action.conversation.route?.channelId ?? action.conversation.id, 2);
    return open.length === 1 ? open[0] : undefined;
  }
}
