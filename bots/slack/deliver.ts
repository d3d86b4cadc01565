import {
  HelixError, OutboundReply, splitMessage, startReplyDelivery, type DeliveryWiring,
  type Counter, type MeshConsumer,
} from '../../mesh/index.ts';
import type { DeliveryLedger } from '../../mesh/index.ts';
import { RouteKey } from './normalize.ts';
import { toHelixError } from './slack-errors.ts';

/** Longest text Helix puts in one Slack message (Slack truncates `text` past 40,000 and advises < 4,000). */
export const SLACK_MESSAGE_CHARS = 3_500;

/** The one Web API call delivery needs (a `WebClient`'s `chat.postMessage`). */
export interface SlackPoster {
  postMessage(args: { channel: string; text: string; mrkdwn: boolean; thread_ts?: string }): Promise<{ ts?: string }>;
}

export interface SlackDeliveryOptions extends DeliveryWiring {
  deliveries: Counter<'outcome'>;
  poster: SlackPoster;
  ledger: DeliveryLedger;
}

/** A reply's text as Slack messages: every part, each split to {@link SLACK_MESSAGE_CHARS}; embeds as plain sections. */
export function renderReply(reply: OutboundReply): string[] {
  const texts = [...reply.parts];
  for (const e of reply.embeds) {
    const lines = [e.title ? `*${e.title}*` : '', e.description ?? '', ...e.fields.map((f) => `*${f.name}*: ${f.value}`), e.url ?? '', e.footer ? `_${e.footer}_` : ''].filter(Boolean);
    if (lines.length) texts.push(lines.join('\n'));
  }
  return texts.filter((t) => t.trim() !== '').flatMap((t) => splitMessage(t, SLACK_MESSAGE_CHARS));
}

/**
 * Consumes `outbound-slack`: each reply is posted with `chat.postMessage` (mrkdwn) in its conversation's
 * channel, in its thread when the conversation is one. A ledger in Redis keeps which messages of a reply
 * are posted, so a retry posts only the rest. Failures are sorted by {@link toHelixError}.
 */
export function startSlackDelivery(opts: SlackDeliveryOptions): MeshConsumer {
  return startReplyDelivery({
    platform: 'slack',
    wiring: opts,
    defaultConcurrency: 8,
    skipped: () => opts.deliveries.inc({ outcome: 'skipped' }),
    async deliver(reply, job, log) {
      const messages = renderReply(reply);
      if (messages.length === 0) {
        opts.deliveries.inc({ outcome: 'skipped' });
        return { outcome: 'skipped' };
      }
      const route = reply.conversation.route ?? {};
      const channel = route[RouteKey.channelId];
      if (!channel) throw new HelixError('platform_rejected', `conversation ${reply.conversation.id} has no Slack channel in its route`);
      const threadTs = route[RouteKey.threadTs];
      try {
        const done = await opts.ledger.posted(reply.replyId);
        for (const [i, text] of messages.entries()) {
          if (done.has(i)) continue;
          const res = await opts.poster.postMessage({ channel, text, mrkdwn: true, ...(threadTs ? { thread_ts: threadTs } : {}) });
          await opts.ledger.record(reply.replyId, i, res.ts ?? '?');
        }
      } catch (err) {
        const e = toHelixError(err, `reply ${reply.replyId}`);
        opts.deliveries.inc({ outcome: e.code === 'platform_rate_limited' ? 'rate_limited' : e.code === 'platform_rejected' ? 'rejected' : 'failed' });
        if (e.code === 'platform_rate_limited') log.warn({ retry_after_ms: e.retryAfterMs, attempt: job.attemptsMade + 1 }, 'rate-limited by Slack; the queue retries after Retry-After');
        throw e;
      }
      opts.deliveries.inc({ outcome: 'posted' });
      log.info({ outcome: 'posted', messages: messages.length, channel_id: channel, thread_ts: threadTs }, 'reply delivered');
      return { outcome: 'posted' };
    },
  });
}
