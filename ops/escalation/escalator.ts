import type { Queue } from 'bullmq';
import { HelixError, OpsTimer, hasErrorCode, newTraceparent, safePart, type Logger, type PageRetry, type Traceparent } from '../../mesh/index.ts';
import type { OpsSection } from '../../config/index.ts';
import { PartlySentError, maskRecipient, pageOutcome, type Pager } from '../paging/pager.ts';
import type { Publisher } from '../discord/publisher.ts';
import { SLO_BUDGET_ENTRY, UNATTENDED, type Incident } from '../incidents/incident.ts';
import { newTimerToken, type Actor, type IncidentStore } from '../incidents/incident-store.ts';
import type { OpsMetrics } from '../ops-metrics.ts';
import { PAGED_ENTRY, PAGE_FAILED_ENTRY, PAGE_RETRY_ENTRY, pageDedupKey, pagedDetail, type PagerKind } from './page-record.ts';
import { resolvePages } from './resolve-pages.ts';
import { OnCallSchedule } from './on-call-schedule.ts';
import type { OnCallMember } from './schedule.ts';

/** Escalation steps in order: re-notify, mention the next person on call, page. */
export const ESCALATION_STEPS = ['renotify', 'next_oncall', 'page'] as const;
export type EscalationStep = (typeof ESCALATION_STEPS)[number];

export interface EscalatorOptions {
  /** `ops-timers`: delayed jobs, so a timer outlives the process that armed it. */
  timers: Queue;
  store: IncidentStore;
  publisher: Publisher;
  ops: OpsSection;
  /** Transports for the last step (ops/paging); empty = no paging. */
  pagers: readonly Pager[];
  metrics: OpsMetrics;
  log: Logger;
  /** Who is on call (re-notify, next on call, page recipients). @defaultValue the `ops.schedule` rotations */
  schedule?: OnCallSchedule;
  now?: () => Date;
}

/**
 * Escalation of unacknowledged incidents. Each armed step is a delayed BullMQ job carrying the token the
 * incident held when it was armed; acknowledging, resolving or silencing clears the token, so a timer
 * that fires afterwards (or after a restart) finds a different token and does nothing.
 */
export class Escalator {
  readonly #o: EscalatorOptions;
  readonly #now: () => Date;
  /** The on-call schedule escalation reads; `/oncall` answers from it too. */
  readonly schedule: OnCallSchedule;

  constructor(opts: EscalatorOptions) {
    this.#o = opts;
    this.#now = opts.now ?? (() => new Date());
    this.schedule = opts.schedule ?? new OnCallSchedule({ rotations: opts.ops.schedule });
  }

  /** Seconds before the next step for a severity (0 = never). */
  timeoutSec(incident: Pick<Incident, 'severity'>): number {
    return this.#o.ops.escalationSec[incident.severity] ?? 0;
  }

  /** Arms the next escalation step of an unattended incident (replacing any armed one). */
  async arm(incident: Incident, traceparent?: Traceparent): Promise<void> {
    const sec = this.timeoutSec(incident);
    if (sec <= 0 || !UNATTENDED.has(incident.state) || incident.escalationLevel >= ESCALATION_STEPS.length) return;
    const token = newTimerToken();
    await this.#o.store.armTimer(incident.id, token);
    const timer = OpsTimer.parse({ v: 1, kind: 'escalate', incidentId: incident.id, token, level: incident.escalationLevel + 1, traceparent: traceparent ?? newTraceparent() });
    await this.#o.timers.add('escalate', timer, { jobId: `esc-${safePart(incident.id)}-${token}`, delay: sec * 1_000, attempts: 5, backoff: { type: 'exponential', delay: 1_000 }, removeOnComplete: { age: 86_400 }, removeOnFail: { age: 7 * 86_400 } });
  }

  /** Arms the job that returns a silenced incident to its earlier state when its silence ends. */
  async armSilenceEnd(incident: Incident, until: Date, silenceId: string): Promise<void> {
    const timer = OpsTimer.parse({ v: 1, kind: 'silence-end', incidentId: incident.id, token: safePart(silenceId).slice(0, 64), traceparent: newTraceparent() });
    await this.#o.timers.add('silence-end', timer, { jobId: `silence-end-${safePart(incident.id)}-${safePart(silenceId)}`, delay: Math.max(0, until.getTime() - this.#now().getTime()), attempts: 5, backoff: { type: 'exponential', delay: 1_000 }, removeOnComplete: { age: 86_400 }, removeOnFail: { age: 7 * 86_400 } });
  }

  /** Runs a timer job. Returns what it did (`stale` when the incident moved on). */
  async onTimer(timer: OpsTimer): Promise<string> {
    const incident = await this.#o.store.get(timer.incidentId);
    if (!incident) return 'stale';
    if (timer.kind === 'silence-end') {
      if (!incident.silenceId || safePart(incident.silenceId).slice(0, 64) !== timer.token) return 'stale';
      const r = await this.#o.store.applyAction(incident.id, { type: 'silence_ended' }, undefined, 'the silence ended', `silence-end-${timer.token}`, this.#now(), { silenceId: null, silencedUntil: null });
      if (!r.ok || r.repeated) return 'stale';
      await this.#o.publisher.publish(incident.id, timer.traceparent);
      await this.arm(r.incident, timer.traceparent);
      return 'silence_ended';
    }
    if (incident.timerToken !== timer.token || !UNATTENDED.has(incident.state)) {
      this.#o.metrics.escalations.inc({ step: 'stale' });
      return 'stale';
    }
    if (timer.kind === 'page-retry' && timer.page) {
      this.#o.metrics.escalations.inc({ step: 'page_retry' });
      await this.#page(incident, this.#pagedPeople(incident), timer.traceparent, timer.page);
      return 'page_retry';
    }
    return this.escalate(incident, undefined, `timer-${timer.token}`, timer.traceparent);
  }

  /**
   * Takes the incident's next escalation step now (a timer, or someone pressing Escalate), records it
   * in the timeline, edits the message and arms the step after it.
   */
  async escalate(incident: Incident, actor: Actor | undefined, eventId: string, traceparent: Traceparent = newTraceparent()): Promise<string> {
    const level = Math.min(incident.escalationLevel + 1, ESCALATION_STEPS.length);
    const step = ESCALATION_STEPS[level - 1] as EscalationStep;
    const oncall = this.schedule.at(this.#now(), incident.team);
    const present = (people: readonly (OnCallMember | undefined)[]) => people.filter((p): p is OnCallMember => p !== undefined);
    const nextUp = present(oncall.map((o) => o.next));
    let detail: string;
    if (step === 'renotify') detail = 'still unacknowledged: re-notified';
    else if (step === 'next_oncall') detail = nextUp.length ? `mentioned the next on call: ${nextUp.map((p) => p.name).join(', ')}` : 'no schedule: re-notified again';
    else detail = this.#o.ops.pageOnEscalation && this.#o.pagers.length ? `paged through ${this.#o.pagers.map((p) => p.kind).join(', ')}` : 'no pager configured: re-notified again';
    const r = await this.#o.store.applyAction(incident.id, { type: 'escalate' }, actor, actor ? `${detail} (by ${actor.name})` : detail, eventId, this.#now(), { escalationLevel: level, timerToken: null });
    if (!r.ok) return 'stale';
    if (r.repeated) return 'repeated';
    const current = r.incident;
    this.#o.metrics.escalations.inc({ step });
    const roles = this.#o.publisher.mentionsFor(current.severity);
    const people = step === 'renotify' ? present(oncall.map((o) => o.current)) : nextUp;
    const who = people.map((p) => `<@${p.discordId}>`).join(' ');
    const mentions = `${roles.map((id) => `<@&${id}>`).join(' ')} ${who}`.trim();
    const mins = Math.round((this.#now().getTime() - current.createdAt.getTime()) / 60_000);
    await this.#o.publisher.notify(current, `esc${level}-${safePart(eventId)}`, `${mentions ? `${mentions} ` : ''}📣 Incident ${current.id} (${current.severity}) is unacknowledged after ${mins} min: escalation step ${level} (${step.replace('_', ' ')}).`, roles, traceparent);
    if (step === 'page' && this.#o.ops.pageOnEscalation) await this.#page(current, this.#pagedPeople(current), traceparent);
    await this.#o.publisher.publish(current.id, traceparent);
    await this.arm(current, traceparent);
    return step;
  }

  /**
   * Sends the resolve to every transport that paged the (resolved) incident, once each; see {@link resolvePages}.
   * Throws `page_failed` when a transport failed, so the job that resolved the incident is retried, or
   * `page_refused` when every failing transport refused it (not retried).
   */
  async resolvePages(incident: Incident, traceparent?: Traceparent): Promise<PagerKind[]> {
    return resolvePages(incident, { store: this.#o.store, pagers: this.#o.pagers, publisher: this.#o.publisher, pageToOf: (ids) => this.schedule.pageToOf(ids), log: this.#o.log, now: this.#now, pages: this.#o.metrics.pages }, traceparent);
  }

  /** Who a page goes to: the people on call now (for the incident's team) with a `pageTo`. */
  #pagedPeople(incident: Incident): OnCallMember[] {
    return this.schedule.at(this.#now(), incident.team).flatMap((o) => (o.current?.pageTo ? [o.current] : []));
  }

  /**
   * Pages `people` through every transport (or, on a retry, through those whose page failed, leaving out who
   * already has it). A transport that failed for a reason that may pass (down, rate limiting past its own
   * retries) is tried again later with the people it did not reach; a refusal (wrong credentials, a bad
   * number) is not: sending again cannot help.
   */
  async #page(incident: Incident, people: readonly OnCallMember[], traceparent: Traceparent, retry?: PageRetry): Promise<void> {
    const severity = incident.severity;
    // An SLO page carries the error budget left and the time to exhaustion (the newest reading, one line each).
    const budget = await this.#o.store.latestEntry(incident.id, SLO_BUDGET_ENTRY);
    const summary = `[${severity}] ${incident.title}${budget ? ` | ${budget.detail.replace(/\s*\n\s*/g, ' | ')}` : ''}`.slice(0, 1_000);
    const to = [...new Set(people.flatMap((p) => (p.pageTo ? [p.pageTo] : [])))];
    const ids = [...new Set(people.map((p) => p.discordId))];
    const once = `${incident.escalationLevel}${retry ? `-retry${retry.attempt}` : ''}`;
    const failed: PagerKind[] = [];
    const alreadySent: Partial<Record<PagerKind, string[]>> = {};
    // A transport that said when to come back (Retry-After) is not asked again before then.
    let notBeforeMs = 0;
    for (const pager of this.#o.pagers) {
      if (retry && !retry.transports.includes(pager.kind)) continue;
      const sentBefore = retry?.alreadySent[pager.kind] ?? [];
      try {
        await pager.page({ dedupKey: pageDedupKey(incident.id), incidentId: incident.id, summary, severity, ...(to.length ? { to } : {}), action: 'trigger', ...(sentBefore.length ? { alreadySent: sentBefore } : {}) });
        this.#o.metrics.pages.inc({ transport: pager.kind, action: 'trigger', outcome: 'sent' });
        // The record resolving reads back: which transport paged, and for whom (see page-record.ts).
        await this.#o.store.note(incident.id, PAGED_ENTRY, undefined, pagedDetail(pager.kind, ids), `page-${pager.kind}-${once}`, this.#now());
      } catch (err) {
        this.#o.metrics.pages.inc({ transport: pager.kind, action: 'trigger', outcome: pageOutcome(err) });
        this.#o.log.error({ incident: incident.id, pager: pager.kind, retry: retry?.attempt, err: (err as Error).message }, 'paging failed');
        let delivered = sentBefore;
        if (err instanceof PartlySentError) {
          // Some recipients have it: record who, so that they hear the resolve too (a page is not sent twice).
          const reached = people.filter((p) => p.pageTo && err.delivered.includes(maskRecipient(p.pageTo))).map((p) => p.discordId);
          await this.#o.store.note(incident.id, PAGED_ENTRY, undefined, pagedDetail(pager.kind, [...new Set(reached)]), `page-${pager.kind}-${once}`, this.#now());
          delivered = [...new Set([...sentBefore, ...err.delivered])];
        }
        await this.#o.store.note(incident.id, PAGE_FAILED_ENTRY, undefined, `${pager.kind}: ${(err as Error).message}`, `page-failed-${pager.kind}-${once}`, this.#now());
        if (!hasErrorCode(err, 'page_refused')) {
          failed.push(pager.kind);
          alreadySent[pager.kind] = delivered;
          notBeforeMs = Math.max(notBeforeMs, err instanceof HelixError ? (err.retryAfterMs ?? 0) : 0);
        }
      }
    }
    if (failed.length) await this.#armPageRetry(incident, { attempt: (retry?.attempt ?? 0) + 1, transports: failed, alreadySent }, notBeforeMs, traceparent);
  }

  /**
   * Arms another try of a page that failed through `page.transports` (while retries last), with a timeline line
   * saying when: `ops.pageRetrySec`, doubling with each try, or later when a transport asked (`notBeforeMs`).
   */
  async #armPageRetry(incident: Incident, page: PageRetry, notBeforeMs: number, traceparent: Traceparent): Promise<void> {
    const { pageRetrySec, pageRetries } = this.#o.ops;
    if (pageRetrySec <= 0 || pageRetries === 0) return;
    if (page.attempt > pageRetries) {
      await this.#o.store.note(incident.id, PAGE_RETRY_ENTRY, undefined, `no more tries of the page through ${page.transports.join(', ')}: ${pageRetries} retries failed (see page_failed); page by hand`, `page-retry-last-${incident.escalationLevel}-${page.attempt}-${incident.timerToken ?? ''}`, this.#now());
      return;
    }
    const delaySec = Math.max(pageRetrySec * 2 ** (page.attempt - 1), Math.ceil(notBeforeMs / 1_000));
    const token = newTimerToken();
    const timer = OpsTimer.parse({ v: 1, kind: 'page-retry', incidentId: incident.id, token, level: incident.escalationLevel, page, traceparent });
    // The job before the token: if this run dies in between, the job that fired it still holds the live token and
    // runs again (a page repeated beats retries that stop without a word).
    await this.#o.timers.add('page-retry', timer, { jobId: `page-retry-${safePart(incident.id)}-${token}`, delay: delaySec * 1_000, attempts: 5, backoff: { type: 'exponential', delay: 1_000 }, removeOnComplete: { age: 86_400 }, removeOnFail: { age: 7 * 86_400 } });
    await this.#o.store.armTimer(incident.id, token);
    await this.#o.store.note(incident.id, PAGE_RETRY_ENTRY, undefined, `paging again through ${page.transports.join(', ')} in ${delaySec} s (retry ${page.attempt} of ${pageRetries})`, `page-retry-${token}`, this.#now());
  }
}
