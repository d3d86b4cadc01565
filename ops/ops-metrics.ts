import { Counter, Gauge, type ProcessMetrics } from '../mesh/index.ts';

/** The ops service's own metrics, registered on the process registry. */
export interface OpsMetrics {
  /** Webhook deliveries by source and outcome (queued, unauthorized, malformed, too_large, queue_unavailable). */
  readonly webhooks: Counter<'source' | 'outcome'>;
  /** Incident lifecycle events (opened, deduplicated, resolved, ...). */
  readonly incidents: Counter<'event'>;
  /** Actions from chat by kind and outcome (done, refused, unknown_incident, failed). */
  readonly actions: Counter<'action' | 'outcome'>;
  /** Escalation steps taken, by what they did (renotify, next_oncall, page, page_retry, stale). */
  readonly escalations: Counter<'step'>;
  /**
   * Pages and page resolves by transport and outcome (sent, partly_sent, failed, refused): alert on `failed` and
   * `refused`, which mean someone on call may not have been reached.
   */
  readonly pages: Counter<'transport' | 'action' | 'outcome'>;
  /** Open incidents by state, sampled at scrape time. */
  readonly open: Gauge<'state'>;
}

export function createOpsMetrics(m: ProcessMetrics): OpsMetrics {
  const registers = [m.registry];
  return {
    webhooks: new Counter({ name: 'helix_ops_webhooks_total', help: 'Alert webhook deliveries by source and outcome.', labelNames: ['source', 'outcome'], registers }),
    incidents: new Counter({ name: 'helix_ops_incident_events_total', help: 'Incident lifecycle events.', labelNames: ['event'], registers }),
    actions: new Counter({ name: 'helix_ops_actions_total', help: 'On-call actions from chat by kind and outcome.', labelNames: ['action', 'outcome'], registers }),
    escalations: new Counter({ name: 'helix_ops_escalations_total', help: 'Escalation steps by what they did.', labelNames: ['step'], registers }),
    pages: new Counter({ name: 'helix_ops_pages_total', help: 'Pages (trigger) and page resolves by transport and outcome: sent, partly_sent, failed, refused.', labelNames: ['transport', 'action', 'outcome'], registers }),
    open: new Gauge({ name: 'helix_ops_open_incidents', help: 'Open incidents by state.', labelNames: ['state'], registers }),
  };
}
