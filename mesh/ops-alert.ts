import { z } from 'zod';
import { Traceparent } from './trace.ts';

/** Alert notifications accepted by the ops receivers, waiting to be folded into incidents. */
export const OPS_ALERTS_QUEUE = 'ops-alerts';
/** Delayed ops jobs: escalation steps and silence ends (they survive an ops restart). */
export const OPS_TIMERS_QUEUE = 'ops-timers';

const Labels = z.record(z.string().max(1_024), z.string().max(200_000));

/** One alert of a notification, as Alertmanager (and Grafana) send it. */
export const OpsAlert = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: Labels,
  annotations: Labels.default({}),
  startsAt: z.string().max(64),
  /** Alertmanager's zero time (`0001-01-01T00:00:00Z`) while firing. */
  endsAt: z.string().max(64).optional(),
  generatorURL: z.string().max(4_096).optional(),
  fingerprint: z.string().min(1).max(128),
  /** Grafana's links, when it sends them. */
  dashboardURL: z.string().max(4_096).optional(),
  panelURL: z.string().max(4_096).optional(),
  silenceURL: z.string().max(4_096).optional(),
});
export type OpsAlert = z.infer<typeof OpsAlert>;

/**
 * One group notification (Alertmanager webhook v4 or Grafana's), normalized: what the ops receiver puts
 * on `ops-alerts`. `eventId` is a digest of the group key and each alert's fingerprint, status and times,
 * so a re-sent identical notification is one job.
 */
export const OpsAlertBatch = z.object({
  v: z.literal(1),
  source: z.enum(['alertmanager', 'grafana']),
  eventId: z.string().min(1).max(128),
  groupKey: z.string().min(1).max(8_192),
  receiver: z.string().max(1_024).default(''),
  status: z.enum(['firing', 'resolved']),
  alerts: z.array(OpsAlert).max(10_000),
  groupLabels: Labels.default({}),
  commonLabels: Labels.default({}),
  commonAnnotations: Labels.default({}),
  externalURL: z.string().max(4_096).default(''),
  truncatedAlerts: z.number().int().nonnegative().default(0),
  receivedAt: z.iso.datetime({ offset: true }),
  traceparent: Traceparent,
});
export type OpsAlertBatch = z.infer<typeof OpsAlertBatch>;
export type OpsAlertBatchInput = z.input<typeof OpsAlertBatch>;

/** Paging transports, as a page retry names them. */
const PagerKind = z.enum(['pagerduty', 'twilio', 'email']);

/** What a page retry sends: the transports whose page failed, and who (masked) already has it per transport. */
export const PageRetry = z.object({
  /** 1 for the first retry. */
  attempt: z.number().int().min(1).max(100),
  transports: z.array(PagerKind).min(1).max(3),
  alreadySent: z.partialRecord(PagerKind, z.array(z.string().min(1).max(320)).max(100)).default({}),
});
export type PageRetry = z.infer<typeof PageRetry>;

/**
 * A delayed ops job: an escalation step, the end of a silence, or another try of a page that failed. Stale when
 * `token` no longer matches the incident's.
 */
export const OpsTimer = z.object({
  v: z.literal(1),
  kind: z.enum(['escalate', 'silence-end', 'page-retry']),
  incidentId: z.string().min(1).max(128),
  token: z.string().min(1).max(64),
  level: z.number().int().min(0).max(100).default(0),
  /** What a `page-retry` timer sends (required there, absent elsewhere). */
  page: PageRetry.optional(),
  traceparent: Traceparent,
}).refine((t) => (t.kind === 'page-retry') === (t.page !== undefined), { path: ['page'], message: 'required on a page-retry timer, and only there' });
export type OpsTimer = z.infer<typeof OpsTimer>;
