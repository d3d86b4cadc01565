import { Counter, type ProcessMetrics } from '../../mesh/index.ts';

/** The GitHub bot's own metrics, on the process registry. */
export function createGitHubMetrics(metrics: ProcessMetrics) {
  const registers = [metrics.registry];
  return {
    webhooks: new Counter({ name: 'helix_github_webhooks_total', help: 'Webhook deliveries received, by event and outcome (queued, duplicate, skipped reason, rejected reason).', labelNames: ['event', 'outcome'], registers }),
    deliveries: new Counter({ name: 'helix_github_deliveries_total', help: 'Replies handled, by outcome.', labelNames: ['outcome'], registers }),
    comments: new Counter({ name: 'helix_github_comments_total', help: 'Comments posted on GitHub.', registers }),
  };
}
export type GitHubMetrics = ReturnType<typeof createGitHubMetrics>;
