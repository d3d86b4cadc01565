import type { Redis } from 'ioredis';
import { HelixError, OutboundReply, outboundQueue, startConsumer, traceLogger, type Counter, type DeadLetters, type Logger, type MeshConsumer, type ProcessMetrics } from '../../mesh/index.ts';
import type { LiveEvent } from './live-hub.ts';
import { sessionOf } from './normalize.ts';
import type { SessionHistory } from './session-history.ts';

export interface WebDeliveryOptions {
  connection: Redis;
  /** A command connection for history writes and publishing. */
  publisher: Redis;
  prefix: string;
  log: Logger;
  deadLetters: DeadLetters;
  metrics: ProcessMetrics;
  delivered: Counter<'kind'>;
  history: SessionHistory;
}

/**
 * Consumes `outbound-web`. A final reply is stored in the session's history (once per reply id) and
 * published live; a draft is only published. A browser that is not connected gets the final on reconnect.
 */
export function startWebDelivery(opts: WebDeliveryOptions): MeshConsumer {
  return startConsumer({
    queue: outboundQueue('web'),
    schema: OutboundReply,
    connection: opts.connection,
    prefix: opts.prefix,
    log: opts.log,
    deadLetters: opts.deadLetters,
    metrics: opts.metrics,
    concurrency: 16,
    async handle(reply) {
      const sessionId = sessionOf(reply.conversation.id);
      if (!sessionId) throw new HelixError('platform_rejected', `conversation ${reply.conversation.id} is not a web console session (expected web-<session>)`);
      const publish = (event: LiveEvent) => opts.publisher.publish(opts.history.channel(sessionId), JSON.stringify(event));
      if (reply.kind === 'draft') {
        await publish({ type: 'draft', replyId: reply.replyId, seq: reply.seq, text: reply.parts[0] ?? '' });
        opts.delivered.inc({ kind: 'draft' });
        return;
      }
      const entry = await opts.history.append(sessionId, `r:${reply.replyId}`, { kind: 'final', replyId: reply.replyId, parts: reply.parts, at: reply.createdAt });
      if (!entry) return; // redelivered: already stored and sent
      await publish({ type: 'final', id: entry.id, entry });
      opts.delivered.inc({ kind: 'final' });
      traceLogger(opts.log, reply.traceparent, { reply_id: reply.replyId }).info('reply delivered to the console');
    },
  });
}
