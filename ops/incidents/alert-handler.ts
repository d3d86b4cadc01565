import type { OpsAlertBatch, Logger } from '../../mesh/index.ts';
import type { OpsSection } from '../../config/index.ts';
import type { Publisher } from '../discord/publisher.ts';
import type { Escalator } from '../escalation/escalator.ts';
import type { OpsMetrics } from '../ops-metrics.ts';
import type { BatchOutcome, ChannelRouter, IncidentStore } from './incident-store.ts';

/** The channel of a new incident: the first route whose severity and team match, else `ops.channelId`. Pure. */
export function routerFor(ops: Pick<OpsSection, 'routes' | 'channelId'>): ChannelRouter {
  return (severity, team) => ops.routes.find((r) => (!r.severity || r.severity === severity) && (!r.team || r.team === team))?.channelId ?? ops.channelId;
}

export interface AlertHandlerOptions {
  store: IncidentStore;
  publisher: Publisher;
  escalator: Escalator;
  ops: OpsSection;
  metrics: OpsMetrics;
  log: Logger;
  now?: () => Date;
}

/** Folds one notification into its incident, edits the incident's message and arms escalation for a new one. */
export async function handleAlertBatch(batch: OpsAlertBatch, o: AlertHandlerOptions): Promise<BatchOutcome> {
  const now = o.now?.() ?? new Date();
  const outcome = await o.store.applyBatch(batch, now, routerFor(o.ops));
  o.metrics.incidents.inc({ event: outcome.kind });
  if (outcome.kind === 'ignored') {
    o.log.debug({ group_key: batch.groupKey, reason: outcome.reason }, 'notification ignored');
    return outcome;
  }
  // A duplicate still publishes: a crash after the store commit and before the queue add is repaired here.
  await o.publisher.publish(outcome.incident.id, batch.traceparent);
  if (outcome.kind === 'opened') await o.escalator.arm(outcome.incident, batch.traceparent);
  if (outcome.kind !== 'duplicate') o.log.info({ incident: outcome.incident.id, state: outcome.incident.state, changes: outcome.changes }, `incident ${outcome.kind}`);
  return outcome;
}
