import type { Job } from 'bullmq';
import { startConsumer, type MeshConsumer, type MeshConsumerOptions } from './consumer.ts';
import { OutboundReply } from './envelope.ts';
import { traceLogger, type Logger } from './observe/log.ts';
import type { Platform } from './platform.ts';
import { outboundQueue } from './queues.ts';

/**
 * What a bot process gives its reply delivery: the consumer's worker-role Redis connection and the process's
 * logger, dead letters and metrics; `concurrency` unset takes the platform's `defaultConcurrency`. Each bot's
 * delivery options extend it with what its platform needs.
 */
export type DeliveryWiring = Pick<MeshConsumerOptions<typeof OutboundReply>, 'connection' | 'prefix' | 'log' | 'deadLetters' | 'metrics' | 'concurrency'>;

export interface ReplyDeliveryOptions {
  platform: Platform;
  /** The bot's wiring; only the {@link DeliveryWiring} fields are read. */
  wiring: DeliveryWiring;
  /** Replies delivered at once when the wiring does not say: what the platform's rate limits allow. */
  defaultConcurrency: number;
  /** Counts a reply left undelivered: a streaming draft, which this platform does not show. */
  skipped(): void;
  /**
   * Delivers one final reply. `log` carries the reply's trace id, reply id and conversation. Throw to retry
   * (with backoff); throw a permanent code (`platform_rejected`) to dead-letter.
   */
  deliver(reply: OutboundReply, job: Job, log: Logger, signal: AbortSignal | undefined): Promise<unknown>;
}

/**
 * Consumes `outbound-<platform>` for a platform that shows only finished replies (every platform but the web
 * console, which streams drafts): each valid reply is handed to `deliver` with a logger carrying its trace;
 * drafts are counted as skipped and dropped; invalid payloads are dead-lettered by {@link startConsumer}.
 */
export function startReplyDelivery(opts: ReplyDeliveryOptions): MeshConsumer {
  const { platform, skipped, deliver } = opts;
  const { connection, prefix, log, deadLetters, metrics, concurrency } = opts.wiring;
  return startConsumer({
    connection,
    prefix,
    log,
    deadLetters,
    ...(metrics ? { metrics } : {}),
    concurrency: concurrency ?? opts.defaultConcurrency,
    queue: outboundQueue(platform),
    schema: OutboundReply,
    async handle(reply, job, signal) {
      if (reply.kind === 'draft') {
        skipped();
        return { outcome: 'skipped' };
      }
      const replyLog = traceLogger(log, reply.traceparent, { reply_id: reply.replyId, conversation: reply.conversation.id });
      return deliver(reply, job, replyLog, signal);
    },
  });
}
