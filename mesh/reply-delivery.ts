import type { Job } from 'bullmq';
import { startConsumer, type MeshConsumer, type MeshConsumerOptions } from './consumer.ts';
import { OutboundReply } from './envelope.ts';
import { traceLogger, type Logger } from './observe/log.ts';
import type { Platform } from './platform.ts';
import { outboundQueue } from './queues.ts';

export interface ReplyDeliveryOptions extends Omit<MeshConsumerOptions<typeof OutboundReply>, 'queue' | 'schema' | 'handle'> {
  platform: Platform;
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
  const { platform, skipped, deliver, ...consumer } = opts;
  return startConsumer({
    ...consumer,
    queue: outboundQueue(platform),
    schema: OutboundReply,
    async handle(reply, job, signal) {
      if (reply.kind === 'draft') {
        skipped();
        return { outcome: 'skipped' };
      }
      const log = traceLogger(opts.log, reply.traceparent, { reply_id: reply.replyId, conversation: reply.conversation.id });
      return deliver(reply, job, log, signal);
    },
  });
}
