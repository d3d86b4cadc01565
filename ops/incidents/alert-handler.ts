import type { OpsAlertBatch, Logger, Traceparent } from '../../mesh/index.ts';
import type { OpsSection } from '../../config/index.ts';
import { releaseSilence } from '../alertmanager/release-silence.ts';
import type { SilenceClient } from '../alertmanager/silences.ts';
import type { Publisher } from '../discord/publisher.ts';
import type { Escalator } from '../escalation/escalator.ts';
import type { OpsMetrics } from '../ops-metrics.ts';
import { SLO_ALERT_NAME } from '../slo/rules.ts';
import type { SloStatus } from '../slo/slo-status.ts';
import { SLO_BUDGET_ENTRY, type Incident } from './incident.ts';
import type { BatchOutcome, ChannelRouter, IncidentStore } from './incident-store.ts';

/** The channel of a new incident: the first route whose severity and team match, else `ops.channelId`. Pure. */
export function routerFor(ops: Pick<OpsSection, 'routes' | 'channelId'>): ChannelRouter {
  return (severity, team) => ops.routes.find((r) => (!r.severity || r.severity === severity) && (!r.team || r.team === team))?.channelId ?? ops.channelId;
}

export interface AlertHandlerOptions {
  store: IncidentStore;
  publisher: Publisher;
  escalator: Escalator;
  /** Expires Helix's silence when the incident resolves. */
  silences: SilenceClient;
  /** Budget lines for SLO burn-rate alerts. */
  slo: SloStatus;
  ops: OpsSection;
  metrics: OpsMetrics;
  log: Logger;
  now?: () => Date;
}

/**
 * Folds one notification into its incident, edits the incident's message and arms escalation for a new one.
 * Once every alert resolved, Helix's silence for the incident is expired and every transport that paged it gets
 * the resolve; for a firing SLO burn-rate alert the error budget is read from Prometheus and added to the message
 * (after the page went out, so a slow Prometheus never delays it).
 */
export async function handleAlertBatch(batch: OpsAlertBatch, o: AlertHandlerOptions): Promise<BatchOutcome> {
  const now = o.now?.() ?? new Date();
  const outcome = await o.store.applyBatch(batch, now, routerFor(o.ops));
  o.metrics.incidents.inc({ event: outcome.kind });
  if (outcome.kind === 'ignored') {
    o.log.debug({ group_key: batch.groupKey, reason: outcome.reason }, 'notification ignored');
    // A retried resolve whose silence Alertmanager did not expire yet (or whose page resolve failed) lands here: try again.
    if (outcome.incident) await afterResolve(outcome.incident, o, batch.traceparent);
    return outcome;
  }
  // A duplicate still publishes: a crash after the store commit and before the queue add is repaired here.
  await o.publisher.publish(outcome.incident.id, batch.traceparent);
  if (outcome.kind === 'opened') await o.escalator.arm(outcome.incident, batch.traceparent);
  if (outcome.kind !== 'duplicate') o.log.info({ incident: outcome.incident.id, state: outcome.incident.state, changes: outcome.changes }, `incident ${outcome.kind}`);
  if (outcome.incident.state === 'resolved') await afterResolve(outcome.incident, o, batch.traceparent);
  else if (outcome.kind === 'opened' || outcome.kind === 'updated') await addSloBudget(batch, outcome.incident, o);
  return outcome;
}

/**
 * What a resolved incident still owes: expiring Helix's silence and resolving its pages. Both run even when one
 * fails; the first failure is rethrown so the job is retried (each step skips what it already did).
 */
async function afterResolve(incident: Incident, o: AlertHandlerOptions, traceparent: Traceparent): Promise<void> {
  const errors: unknown[] = [];
  await releaseSilence(incident, o, traceparent).catch((err: unknown) => void errors.push(err));
  await o.escalator.resolvePages(incident, traceparent).catch((err: unknown) => void errors.push(err));
  if (errors.length) throw errors[0];
}

/** Reads the error budget of each firing SLO burn-rate alert of the notification and shows it on the incident message. */
async function addSloBudget(batch: OpsAlertBatch, incident: Incident, o: AlertHandlerOptions): Promise<void> {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const alert of batch.alerts) {
    const labels = alert.labels;
    if (alert.status !== 'firing' || labels.alertname !== SLO_ALERT_NAME) continue;
    const key = `${labels.service}/${labels.slo}`;
    if (seen.has(key) || seen.size >= 5) continue;
    seen.add(key);
    const line = await o.slo.alertNote(labels);
    if (line) lines.push(line);
  }
  if (!lines.length) return;
  const updated = await o.store.note(incident.id, SLO_BUDGET_ENTRY, undefined, lines.join('\n'), `slo-budget-${batch.eventId}`, o.now?.() ?? new Date(), true);
  if (updated) await o.publisher.publish(incident.id, batch.traceparent);
}
