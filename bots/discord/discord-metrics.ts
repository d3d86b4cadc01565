import { Counter, Gauge, type ProcessMetrics } from '../../mesh/index.ts';

/** The Discord bot's own metrics, on top of the process metrics every role has. */
export interface DiscordMetrics {
  /** Gateway messages by outcome (`accepted`, `ignored`, `failed`) and reason (why ignored, or what failed). */
  readonly messages: Counter<'outcome' | 'reason'>;
  /** Interactions by plan (`ops`, `turn`, `answer`...) and outcome (`deferred`, `answered`, `queue_failed`, `ack_failed`, `dropped`). */
  readonly interactions: Counter<'kind' | 'outcome'>;
  /** Replies by outcome (`posted`, `edited`, `interaction`, `skipped`, `stale`, `rate_limited`, `rejected`, `failed`). */
  readonly deliveries: Counter<'outcome'>;
  /** 429s (and pre-emptive limits) Discord's REST reported, by scope. */
  readonly rateLimits: Counter<'scope'>;
  /** Envelopes that could not be put on a queue (the platform was not acknowledged). */
  readonly queueFailures: Counter<'queue'>;
  /** Gateway payloads discord.js could not handle (malformed dispatches). */
  readonly badPayloads: Counter<'type'>;
}

/** Registers the Discord metrics; `gatewayPing` reads the heartbeat round trip (ms, -1 unknown) at scrape time. */
export function createDiscordMetrics(metrics: ProcessMetrics, gatewayPing: () => number, typingActive: () => number): DiscordMetrics {
  const registers = [metrics.registry];
  new Gauge({
    name: 'helix_discord_gateway_latency_seconds',
    help: 'Gateway heartbeat round trip (average over shards); -1 before the first heartbeat.',
    registers,
    collect() {
      const ms = gatewayPing();
      this.set(ms >= 0 ? ms / 1_000 : -1);
    },
  });
  new Gauge({
    name: 'helix_discord_typing_channels',
    help: 'Channels where Helix is currently shown as typing.',
    registers,
    collect() {
      this.set(typingActive());
    },
  });
  return {
    messages: new Counter({ name: 'helix_discord_messages_total', help: 'Gateway messages seen, by outcome and reason.', labelNames: ['outcome', 'reason'], registers }),
    interactions: new Counter({ name: 'helix_discord_interactions_total', help: 'Interactions handled, by kind and outcome.', labelNames: ['kind', 'outcome'], registers }),
    deliveries: new Counter({ name: 'helix_discord_deliveries_total', help: 'Replies delivered to Discord, by outcome.', labelNames: ['outcome'], registers }),
    rateLimits: new Counter({ name: 'helix_discord_rate_limits_total', help: 'Rate limits reported by Discord REST, by scope.', labelNames: ['scope'], registers }),
    queueFailures: new Counter({ name: 'helix_discord_queue_failures_total', help: 'Envelopes that could not be queued, by queue.', labelNames: ['queue'], registers }),
    badPayloads: new Counter({ name: 'helix_discord_bad_payloads_total', help: 'Gateway payloads that could not be handled, by dispatch type.', labelNames: ['type'], registers }),
  };
}
