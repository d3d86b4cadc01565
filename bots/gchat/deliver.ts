import type { chat_v1 } from '@googleapis/chat';
import {
  HelixError, startReplyDelivery, type DeliveryWiring,
  type DeliveryLedger, type MeshConsumer,
} from '../../mesh/index.ts';
import { toHelixError } from './gchat-errors.ts';
import type { GChatMetrics } from './gchat-metrics.ts';
import type { InlineReplies } from './inline-replies.ts';
import { INLINE_HANDOFF_MS } from './limits.ts';
import { RouteKey } from './normalize.ts';
import { renderTexts } from './render.ts';

export interface GChatDeliveryOptions extends DeliveryWiring {
  gchatMetrics: GChatMetrics;
  ledger: DeliveryLedger;
  inline: InlineReplies;
  /** The Chat API client, authenticated as the app. */
  chat: chat_v1.Chat;
}

/**
 * The `requestId` of part `index` of a reply. Chat returns the message already created under a
 * requestId instead of creating another, so a delivery retried after a crash never posts twice.
 * @see https://developers.google.com/workspace/chat/api/reference/rest/v1/spaces.messages/create#query-parameters
 */
export function requestIdFor(replyId: string, index: number): string {
  return `${replyId}-${index}`;
}

/**
 * Consumes `outbound-gchat`. A one-message reply to an event whose HTTP request is still waiting goes
 * back inline ({@link InlineReplies} decides, across replicas, that exactly one of inline and API
 * happens); anything else is created with `spaces.messages.create` in the conversation's thread
 * (`REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD`), each part under a requestId derived from the reply id.
 */
export function startGChatDelivery(opts: GChatDeliveryOptions): MeshConsumer {
  const { gchatMetrics: gm } = opts;
  return startReplyDelivery({
    platform: 'gchat',
    wiring: opts,
    defaultConcurrency: 8,
    skipped: () => gm.deliveries.inc({ outcome: 'skipped' }),
    async deliver(reply, job, log, signal) {
      const texts = renderTexts(reply);
      if (texts.length === 0) {
        gm.deliveries.inc({ outcome: 'skipped' });
        return { outcome: 'skipped' };
      }
      const route = reply.conversation.route ?? {};
      const space = route[RouteKey.space];
      const thread = route[RouteKey.thread];
      if (!space || !/^spaces\/[^/]+$/.test(space)) {
        gm.deliveries.inc({ outcome: 'rejected' });
        throw new HelixError('platform_rejected', `conversation ${reply.conversation.id} has no Google Chat space in its route`);
      }
      if (reply.inReplyTo) {
        const only = texts.length === 1 ? { text: texts[0]!, ...(thread ? { thread: { name: thread } } : {}) } : undefined;
        if ((await opts.inline.offer(reply.inReplyTo, only, INLINE_HANDOFF_MS)) === 'inline') {
          gm.deliveries.inc({ outcome: 'inline' });
          log.info({ outcome: 'inline', space }, 'reply answered inline');
          return { outcome: 'inline' };
        }
      }
      const done = await opts.ledger.posted(reply.replyId);
      let posted = 0;
      try {
        for (const [i, text] of texts.entries()) {
          if (done.has(i)) continue;
          const { data } = await opts.chat.spaces.messages.create(
            {
              parent: space,
              requestId: requestIdFor(reply.replyId, i),
              ...(thread ? { messageReplyOption: 'REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD' } : {}),
              requestBody: { text, ...(thread ? { thread: { name: thread } } : {}) },
            },
            { retry: false, ...(signal ? { signal } : {}) },
          );
          await opts.ledger.record(reply.replyId, i, data.name ?? '?');
          gm.messages.inc();
          posted++;
        }
      } catch (err) {
        const e = toHelixError(err, `reply ${reply.replyId} in ${space}`);
        gm.deliveries.inc({ outcome: e.code === 'platform_rate_limited' ? 'rate_limited' : e.code === 'platform_rejected' ? 'rejected' : 'failed' });
        if (e.code === 'platform_rate_limited') log.warn({ retry_after_ms: e.retryAfterMs, attempt: job.attemptsMade + 1 }, 'rate-limited by Google Chat; the queue retries after the wait');
        throw e;
      }
      const outcome = posted === 0 ? 'duplicate' : 'posted';
      gm.deliveries.inc({ outcome });
      log.info({ outcome, messages: posted, space, thread }, 'reply delivered');
      return { outcome, messages: posted };
    },
  });
}
