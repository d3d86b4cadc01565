import { createHash } from 'node:crypto';
import { z } from 'zod';
import { OpsAlertBatch, type OpsAlertBatchInput } from '../../mesh/index.ts';

const Labels = z.record(z.string(), z.string());
const WireAlert = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: Labels,
  annotations: Labels.default({}),
  startsAt: z.string(),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().min(1),
  dashboardURL: z.string().optional(),
  panelURL: z.string().optional(),
  silenceURL: z.string().optional(),
});

/**
 * Alertmanager's webhook body (payload version 4).
 * @see https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
 */
export const AlertmanagerWebhook = z.object({
  version: z.literal('4'),
  groupKey: z.string().min(1),
  truncatedAlerts: z.number().int().nonnegative().default(0),
  receiver: z.string().default(''),
  status: z.enum(['firing', 'resolved']),
  alerts: z.array(WireAlert).min(1),
  groupLabels: Labels.default({}),
  commonLabels: Labels.default({}),
  commonAnnotations: Labels.default({}),
  externalURL: z.string().default(''),
});

/**
 * Grafana-managed alerting's webhook body (`version: "1"`, plus `orgId`, `state`, `title`, `message`).
 * @see https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/
 */
export const GrafanaWebhook = AlertmanagerWebhook.extend({
  version: z.literal('1'),
  orgId: z.number().int().optional(),
  state: z.string().optional(),
  title: z.string().optional(),
  message: z.string().optional(),
});

/** A stable digest of what a notification says: the same group in the same state is the same event. */
export function notificationEventId(source: string, groupKey: string, alerts: ReadonlyArray<{ fingerprint: string; status: string; startsAt: string; endsAt?: string | undefined }>): string {
  const h = createHash('sha256').update(`${source}\n${groupKey}\n`);
  for (const a of [...alerts].sort((x, y) => (x.fingerprint < y.fingerprint ? -1 : x.fingerprint > y.fingerprint ? 1 : 0))) h.update(`${a.fingerprint}|${a.status}|${a.startsAt}|${a.endsAt ?? ''}\n`);
  return h.digest('hex').slice(0, 40);
}

/** The result of reading a webhook body: a batch for the queue, or what was wrong with it. */
export type NormalizeResult = { ok: true; batch: OpsAlertBatch } | { ok: false; issues: string };

/** Reads an Alertmanager (`source: alertmanager`) or Grafana webhook body into an {@link OpsAlertBatch}. Pure. */
export function normalizeWebhook(source: 'alertmanager' | 'grafana', body: unknown, receivedAt: Date, traceparent: string): NormalizeResult {
  const parsed = (source === 'alertmanager' ? AlertmanagerWebhook : GrafanaWebhook).safeParse(body);
  if (!parsed.success) return { ok: false, issues: z.prettifyError(parsed.error) };
  const w = parsed.data;
  const batch = OpsAlertBatch.safeParse({
    v: 1,
    source,
    eventId: notificationEventId(source, w.groupKey, w.alerts),
    groupKey: w.groupKey,
    receiver: w.receiver,
    status: w.status,
    alerts: w.alerts,
    groupLabels: w.groupLabels,
    commonLabels: w.commonLabels,
    commonAnnotations: w.commonAnnotations,
    externalURL: w.externalURL,
    truncatedAlerts: w.truncatedAlerts,
    receivedAt: receivedAt.toISOString(),
    traceparent,
  } satisfies OpsAlertBatchInput);
  if (!batch.success) return { ok: false, issues: z.prettifyError(batch.error) };
  return { ok: true, batch: batch.data };
}
