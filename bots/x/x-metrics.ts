import { Counter, Gauge, type ProcessMetrics } from '../../mesh/index.ts';

/** The X bot's own metrics, on the process registry. */
export function createXMetrics(metrics: ProcessMetrics) {
  const registers = [metrics.registry];
  return {
    events: new Counter({ name: 'helix_x_events_total', help: 'Mentions and DMs seen, by source (mentions, dms, webhook) and outcome (queued, duplicate, or why no turn).', labelNames: ['source', 'outcome'], registers }),
    polls: new Counter({ name: 'helix_x_polls_total', help: 'Polls of the X API, by endpoint and outcome.', labelNames: ['source', 'outcome'], registers }),
    pollDelay: new Gauge({ name: 'helix_x_poll_delay_seconds', help: 'Wait before the next poll, as chosen from the rate-limit headers.', labelNames: ['source'], registers }),
    webhooks: new Counter({ name: 'helix_x_webhooks_total', help: 'Account Activity requests, by outcome (crc, accepted, or why refused).', labelNames: ['outcome'], registers }),
    deliveries: new Counter({ name: 'helix_x_deliveries_total', help: 'Replies handled, by outcome.', labelNames: ['outcome'], registers }),
    posts: new Counter({ name: 'helix_x_posts_total', help: 'Posts and DMs sent on X.', labelNames: ['kind'], registers }),
  };
}
export type XMetrics = ReturnType<typeof createXMetrics>;
