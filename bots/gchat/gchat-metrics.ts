import { Counter, type ProcessMetrics } from '../../mesh/index.ts';

/** The Google Chat bot's own metrics, on the process registry. */
export function createGChatMetrics(metrics: ProcessMetrics) {
  const registers = [metrics.registry];
  return {
    events: new Counter({ name: 'helix_gchat_events_total', help: 'Chat events received, by type and outcome (queued, duplicate, greeted, ignored reason, refused reason).', labelNames: ['type', 'outcome'], registers }),
    deliveries: new Counter({ name: 'helix_gchat_deliveries_total', help: 'Replies handled, by outcome (inline, posted, duplicate, skipped, rate_limited, rejected, failed).', labelNames: ['outcome'], registers }),
    messages: new Counter({ name: 'helix_gchat_messages_total', help: 'Messages created with spaces.messages.create.', registers }),
  };
}
export type GChatMetrics = ReturnType<typeof createGChatMetrics>;
