import type { TwitterApi } from 'twitter-api-v2';
import {
  HelixError, OutboundReply, splitMessage, startReplyDelivery, type DeliveryWiring,
  type DeliveryLedger, type MeshConsumer,
} from '../../mesh/index.ts';
import { DM_MAX_CHARS, REQUEST_TIMEOUT_MS } from './limits.ts';
import { RouteKey } from './normalize.ts';
import { splitThread } from './tweet-length.ts';
import { toHelixError } from './x-errors.ts';
import type { XMetrics } from './x-metrics.ts';

export interface XDeliveryOptions extends DeliveryWiring {
  xMetrics: XMetrics;
  ledger: DeliveryLedger;
  client: TwitterApi;
}

/** A reply as plain text: its parts, then embeds (title, description, fields) and link buttons. */
export function renderText(reply: OutboundReply): string {
  const blocks = reply.parts.map((p) => p.trim()).filter(Boolean);
  for (const e of reply.embeds) {
    const lines = [e.title, e.description, ...e.fields.map((f) => `${f.name}: ${f.value}`), e.url].filter((x): x is string => Boolean(x));
    if (lines.length) blocks.push(lines.join('\n'));
  }
  const links = reply.buttons.filter((b) => b.url).map((b) => `${b.label}: ${b.url}`);
  if (links.length) blocks.push(links.join('\n'));
  return blocks.join('\n\n');
}

/**
 * Consumes `outbound-x`. A mention is answered with `POST /2/tweets` in reply to it; an answer over 280
 * weighted characters becomes a thread, each post replying to the one before. A DM conversation is
 * answered with `POST /2/dm_conversations/with/:participant_id/messages`. The delivery ledger records
 * each post under (reply id, index), so a retried job (after a 429, a crash) continues the thread where
 * it stopped and never posts a part twice.
 */
export function startXDelivery(opts: XDeliveryOptions): MeshConsumer {
  const { ledger, xMetrics: xm, client } = opts;
  return startReplyDelivery({
    platform: 'x',
    wiring: opts,
    defaultConcurrency: 2,
    skipped: () => xm.deliveries.inc({ outcome: 'skipped' }),
    async deliver(reply, job, log) {
      const route = reply.conversation.route ?? {};
      const kind = route[RouteKey.kind];
      const text = renderText(reply);
      if (!text) {
        xm.deliveries.inc({ outcome: 'skipped' });
        log.warn('empty reply skipped');
        return { outcome: 'skipped' };
      }
      let chunks: string[];
      let send: (text: string, previous: string | undefined) => Promise<string>;
      if (kind === 'mention') {
        const tweetId = route[RouteKey.tweetId];
        if (!tweetId || !/^\d{1,20}$/.test(tweetId)) return reject(`conversation ${reply.conversation.id} has no X post to reply to (route.tweetId)`);
        if (reply.private) return reject(`reply ${reply.replyId} is private, but it answers a public mention: X has no private reply to a post`);
        chunks = splitThread(text);
        send = async (t, previous) => {
          const res = await client.v2.post<{ data: { id: string } }>('tweets', { text: t, reply: { in_reply_to_tweet_id: previous ?? tweetId } }, { timeout: REQUEST_TIMEOUT_MS });
          if (typeof res?.data?.id !== 'string') throw new HelixError('platform_unavailable', 'X accepted a post but returned no id');
          xm.posts.inc({ kind: 'post' });
          return res.data.id;
        };
      } else if (kind === 'dm') {
        const participant = route[RouteKey.authorId];
        if (!participant || !/^\d{1,20}$/.test(participant)) return reject(`conversation ${reply.conversation.id} has no DM participant (route.authorId)`);
        chunks = splitMessage(text, DM_MAX_CHARS);
        send = async (t) => {
          const res = await client.v2.post<{ data: { dm_event_id: string } }>('dm_conversations/with/:participant_id/messages', { text: t }, { params: { participant_id: participant }, timeout: REQUEST_TIMEOUT_MS });
          if (typeof res?.data?.dm_event_id !== 'string') throw new HelixError('platform_unavailable', 'X accepted a DM but returned no dm_event_id');
          xm.posts.inc({ kind: 'dm' });
          return res.data.dm_event_id;
        };
      } else {
        return reject(`conversation ${reply.conversation.id} has no X route kind (mention or dm)`);
      }
      const done = await ledger.posted(reply.replyId);
      let posted = 0;
      let previous: string | undefined;
      try {
        for (const [i, chunk] of chunks.entries()) {
          const already = done.get(i);
          if (already !== undefined) {
            previous = already;
            continue;
          }
          previous = await send(chunk, previous);
          await ledger.record(reply.replyId, i, previous);
          posted++;
        }
      } catch (err) {
        const e = toHelixError(err, `reply ${reply.replyId} (part ${posted + done.size + 1} of ${chunks.length})`);
        xm.deliveries.inc({ outcome: e.code === 'platform_rate_limited' ? 'rate_limited' : e.code === 'platform_rejected' ? 'rejected' : 'failed' });
        if (e.code === 'platform_rate_limited') log.warn({ retry_after_ms: e.retryAfterMs, attempt: job.attemptsMade + 1 }, 'rate-limited by X; the queue retries after the window resets');
        throw e;
      }
      const outcome = posted === 0 ? 'duplicate' : 'posted';
      xm.deliveries.inc({ outcome });
      log.info({ outcome, posts: posted, thread: chunks.length, kind }, 'reply delivered');
      return { outcome, posts: posted };

      function reject(why: string): never {
        xm.deliveries.inc({ outcome: 'rejected' });
        throw new HelixError('platform_rejected', why);
      }
    },
  });
}
