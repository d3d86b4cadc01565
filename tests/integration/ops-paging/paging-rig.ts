// Escalation, the alert handler and the action handler wired to the real pagers (PagerDuty, Twilio, e-mail)
// against their fakes, with a real incident store (PostgreSQL schema per test). Discord, Alertmanager and
// BullMQ are stand-ins: these tests are about what the paging transports receive.
import type { Queue } from 'bullmq';
import { OpsAction, createLogger, createProcessMetrics, newTraceparent, type OpsActionInput, type OpsTimer } from '../../../mesh/index.ts';
import { OpsSection } from '../../../config/ops-section.ts';
import { ActionHandler } from '../../../ops/actions/action-handler.ts';
import type { SilenceClient } from '../../../ops/alertmanager/silences.ts';
import type { Publisher } from '../../../ops/discord/publisher.ts';
import { Escalator } from '../../../ops/escalation/escalator.ts';
import { OnCallSchedule } from '../../../ops/escalation/on-call-schedule.ts';
import { handleAlertBatch } from '../../../ops/incidents/alert-handler.ts';
import { IncidentStore } from '../../../ops/incidents/incident-store.ts';
import type { Incident } from '../../../ops/incidents/incident.ts';
import { createOpsMetrics } from '../../../ops/ops-metrics.ts';
import { EmailPager, PagerDutyPager, TwilioPager, type Pager } from '../../../ops/paging/index.ts';
import { normalizeWebhook } from '../../../ops/receivers/normalize.ts';
import type { SloStatus } from '../../../ops/slo/slo-status.ts';
import type { Store } from '../../../store/index.ts';
import { amWebhook } from '../ops/harness.ts';
import { openTestStore } from '../ops/test-store.ts';
import { type FakePagerDuty, startFakePagerDuty } from '../../fakes/paging/pagerduty-api.ts';
import { type SmtpSink, startSmtpSink } from '../../fakes/paging/smtp-sink.ts';
import { type FakeTwilio, startFakeTwilio } from '../../fakes/paging/twilio-api.ts';

export const PD_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
export const SID = `AC${'0123456789abcdef'.repeat(2)}`;
export const TWILIO_TOKEN = 'twilio-auth-token-0123456789';
export const ALICE = { discordId: '100000000000000001', name: 'Alice', pageTo: '+15550001111' };
export const BOB = { discordId: '100000000000000002', name: 'Bob', pageTo: 'bob@example.com' };
/** Carol, on call beside Alice with a phone of her own. */
export const CAROL = { discordId: '100000000000000003', name: 'Carol', pageTo: '+15550002222' };
/** Alice and Carol (both phones) on call, for `schedule`: an SMS page texts two numbers. */
export const twoPhones = (o: OpsSection) => new OnCallSchedule({ rotations: [o.schedule[0]!, { ...o.schedule[1]!, members: [CAROL] }] });

export interface PagingRig {
  pd: FakePagerDuty;
  twilio: FakeTwilio;
  smtp: SmtpSink;
  incidents: IncidentStore;
  escalator: Escalator;
  actions: ActionHandler;
  /** Private answers the action handler gave. */
  answers: string[];
  /** Incident ids whose message was (re)published. */
  published: string[];
  /** Opens a critical incident for `group` (firing) and returns it. */
  open(group: string): Promise<Incident>;
  /** Escalates three times: re-notify, next on call, page. */
  escalateToPage(incident: Incident): Promise<void>;
  /** Alertmanager says every alert of `group` resolved (the same notification each call: a redelivery). */
  resolveAlerts(group: string): Promise<unknown>;
  /** `/incident resolve` (or the button) by an on-call member; the same event id each call: a retried job. */
  resolveFromChat(incident: Incident, eventId?: string): Promise<string>;
  /** `/oncall` by anyone; returns the private answer. */
  oncall(): Promise<string>;
  /** `helix_ops_pages_total` as "transport action outcome" → count. */
  pagesCounted(): Promise<Record<string, number>>;
  /** Delayed jobs the escalator armed (escalation steps, page retries), oldest first. */
  timers: { data: OpsTimer; delayMs: number }[];
  /** Escalation notices posted (content). */
  notices: string[];
  timelineKinds(incidentId: string): Promise<string[]>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const ON_CALL_ROLE = '300000000000000001';

/** Starts the fakes and the handlers. `pagers` picks transports (all three by default); HTTP pagers never retry themselves. */
export async function startPagingRig(opts: { pagers?: ReadonlyArray<Pager['kind']>; twilioToken?: string; schedule?: (ops: OpsSection) => OnCallSchedule; ops?: { pageRetrySec?: number; pageRetries?: number } } = {}): Promise<PagingRig> {
  const [pd, twilio, smtp, store] = await Promise.all([startFakePagerDuty(PD_KEY), startFakeTwilio(SID, TWILIO_TOKEN), startSmtpSink('helix', 'smtp-secret'), openTestStore()]);
  const kinds = opts.pagers ?? ['pagerduty', 'twilio', 'email'];
  const fast = { maxRetries: 0, retryBaseMs: 10 };
  const pagers: Pager[] = [];
  if (kinds.includes('pagerduty')) pagers.push(new PagerDutyPager({ routingKey: PD_KEY, baseUrl: pd.url, ...fast }));
  if (kinds.includes('twilio')) pagers.push(new TwilioPager({ accountSid: SID, authToken: opts.twilioToken ?? TWILIO_TOKEN, from: '+15550000000', to: ['+15559999999'], baseUrl: twilio.url, ...fast }));
  if (kinds.includes('email')) pagers.push(new EmailPager({ smtp: { host: '127.0.0.1', port: smtp.port, secure: false, user: 'helix', password: 'smtp-secret' }, from: 'helix@example.com', to: ['oncall@example.com'], ...fast }));
  const ops = OpsSection.parse({
    ...opts.ops,
    escalationSec: { critical: 60 },
    onCallRoleIds: [ON_CALL_ROLE],
    // Two one-person rotations: Alice (a phone) and Bob (an address) are both on call, so both are paged.
    schedule: [
      { name: 'primary', start: '2026-01-01T00:00:00Z', shiftHours: 24, members: [ALICE] },
      { name: 'secondary', start: '2026-01-01T00:00:00Z', shiftHours: 24, members: [BOB] },
    ],
  });
  const incidents = new IncidentStore((store as Store).db);
  const published: string[] = [];
  const answers: string[] = [];
  const notices: string[] = [];
  const publisher = {
    publish: async (id: string) => void published.push(id),
    notify: async (_incident: unknown, _key: string, content: string) => void notices.push(content),
    answer: async (_eventId: string, _conversation: unknown, _reply: unknown, text: string) => void answers.push(text),
    mentionsFor: () => [],
  } as unknown as Publisher;
  const armed: PagingRig['timers'] = [];
  const timers = { add: async (_name: string, data: OpsTimer, jobOpts: { delay?: number }) => void armed.push({ data, delayMs: jobOpts.delay ?? 0 }) } as unknown as Queue;
  const log = createLogger('ops', 'silent');
  const metrics = createOpsMetrics(createProcessMetrics('ops'));
  const escalator = new Escalator({ timers, store: incidents, publisher, ops, pagers, metrics, log, ...(opts.schedule ? { schedule: opts.schedule(ops) } : {}) });
  const silences = { create: async () => 'silence-1', expire: async () => undefined } as unknown as SilenceClient;
  const slo = { alertNote: async () => undefined } as unknown as SloStatus;
  const actions = new ActionHandler({ store: incidents, publisher, escalator, silences, slo, ops, metrics, log });
  const handlerOpts = { store: incidents, publisher, escalator, silences, slo, ops, metrics, log };
  const batch = (group: string, status: 'firing' | 'resolved') => {
    const r = normalizeWebhook('alertmanager', amWebhook(`{}:{alertname="${group}"}`, [{ fingerprint: `${group.toLowerCase()}00000000`.slice(0, 16), status }], { alertname: group, severity: 'critical' }), new Date(), newTraceparent());
    if (!r.ok) throw new Error(r.issues);
    return r.batch;
  };
  const chatAction = (action: OpsActionInput['action'], eventId: string): OpsActionInput => ({
    v: 1,
    platform: 'discord',
    eventId,
    action,
    actor: { accountId: ALICE.discordId, displayName: 'Alice', roles: [ON_CALL_ROLE] },
    conversation: { id: '200000000000000001', kind: 'group', route: { channelId: '200000000000000001' } },
    reply: { interactionId: eventId, interactionToken: 't', applicationId: '5' },
    receivedAt: new Date().toISOString(),
    traceparent: newTraceparent(),
  });
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await Promise.all(pagers.map((p) => p.close()));
      await Promise.all([pd.close(), twilio.close(), smtp.close(), store.close()]);
    })());
  return {
    pd,
    twilio,
    smtp,
    incidents,
    escalator,
    actions,
    answers,
    notices,
    published,
    timers: armed,
    async pagesCounted() {
      const { values } = await metrics.pages.get();
      return Object.fromEntries(values.map((v) => [`${v.labels.transport} ${v.labels.action} ${v.labels.outcome}`, v.value]));
    },
    async open(group) {
      const outcome = await handleAlertBatch(batch(group, 'firing'), handlerOpts);
      if (outcome.kind !== 'opened') throw new Error(`expected a new incident, got ${outcome.kind}`);
      return outcome.incident;
    },
    async escalateToPage(incident) {
      for (const step of [1, 2, 3]) {
        const current = (await incidents.get(incident.id)) as Incident;
        await escalator.escalate(current, undefined, `timer-test-${step}`);
      }
    },
    resolveAlerts: (group) => handleAlertBatch(batch(group, 'resolved'), handlerOpts),
    async oncall() {
      await actions.handle(OpsAction.parse(chatAction('oncall', `${Date.now()}${Math.floor(Math.random() * 1e6)}`.slice(0, 19))));
      return answers.at(-1) ?? '';
    },
    resolveFromChat(incident, eventId = '1234567890123456789') {
      return actions.handle(OpsAction.parse({ ...chatAction('resolve', eventId), incidentId: incident.id }));
    },
    async timelineKinds(incidentId) {
      return (await incidents.timeline(incidentId, 1_000)).map((t) => t.kind);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
