import { SnowflakeUtil } from 'discord.js';
import type { Redis } from 'ioredis';
import {
  HelixError, OutboundReply, startReplyDelivery, type DeliveryWiring,
  type Logger, type MeshConsumer,
} from '../../mesh/index.ts';
import type { DiscordMetrics } from './discord-metrics.ts';
import type { EditTargets } from './edit-targets.ts';
import type { InteractionAcks } from './interaction-acks.ts';
import { INTERACTION_ACK_DEADLINE_MS, INTERACTION_TOKEN_TTL_MS } from './limits.ts';
import { webhookGone, type InteractionWebhook, type MessagePoster } from './message-poster.ts';
import { RouteKey } from './normalize.ts';
import { renderReply, type RenderedMessage } from './render.ts';
import { discordCode, DiscordCode, toHelixError } from './rest-errors.ts';
import type { TypingIndicator } from './typing.ts';
import type { ChannelReplies } from './channel-replies.ts';
import type { VoiceConversations, VoiceDeliveryOutcome } from './voice/voice-conversations.ts';

export interface DiscordDeliveryOptions extends DeliveryWiring {
  discordMetrics: DiscordMetrics;
  poster: MessagePoster;
  edits: EditTargets;
  acks: InteractionAcks;
  typing: TypingIndicator;
  /** Where a delivered reply is marked, so any bot process showing typing for the message it answers stops. */
  replies?: ChannelReplies;
  /** Speaks replies of voice conversations (with `discord.voice.enabled`); without it they are posted as text. */
  voice?: Pick<VoiceConversations, 'deliver'>;
}

/** How a reply was delivered (a metrics label). */
type Outcome = 'posted' | 'edited' | 'interaction' | 'skipped' | 'stale' | VoiceDeliveryOutcome;

/**
 * Consumes `outbound-discord`. A reply with an `editKey` edits the message(s) that key points at (the
 * first such reply creates them); a private reply, or one whose route names an interaction, answers
 * through the interaction's webhook; anything else is posted in its channel as a reply to the message
 * it answers. Failures are sorted by {@link toHelixError}: 429 retried after Retry-After, other 4xx
 * dead-lettered with the reason, 5xx/network retried with backoff.
 */
export function startDiscordDelivery(opts: DiscordDeliveryOptions): MeshConsumer {
  const { poster, edits, acks, discordMetrics } = opts;

  async function deliver(reply: OutboundReply, messages: RenderedMessage[], log: Logger): Promise<Outcome> {
    const route = reply.conversation.route ?? {};
    if (reply.conversation.kind === 'voice' && opts.voice) return opts.voice.deliver(reply, messages, log);
    if (reply.editKey && !reply.private) return editInPlace(reply, reply.editKey, messages);
    const hook = await webhookOf(route, acks);
    if (hook) {
      const done = await viaInteraction(reply, hook, messages);
      if (done) return 'interaction';
    }
    if (reply.private) {
      throw new HelixError('platform_rejected', `reply ${reply.replyId} is private but its interaction can no longer be answered (none in the route, never acknowledged, or older than 15 minutes); not posting it publicly.`);
    }
    await poster.post(reply.replyId, channelOf(reply), messages, reply.inReplyTo ?? route[RouteKey.messageId]);
    return 'posted';
  }

  async function editInPlace(reply: OutboundReply, key: string, messages: RenderedMessage[]): Promise<Outcome> {
    return edits.withLock(key, async () => {
      const target = await edits.get(key);
      const createdAt = reply.createdAt;
      if (target && Date.parse(createdAt) < Date.parse(target.updatedAt)) return 'stale';
      if (target) {
        try {
          const ids: string[] = [];
          for (const [i, m] of messages.entries()) {
            const existing = target.messageIds[i];
            if (existing) {
              await poster.edit(target.channelId, existing, m);
              ids.push(existing);
            } else {
              ids.push(...(await poster.post(`${reply.replyId}-extra${i}`, target.channelId, [m], undefined)));
            }
          }
          for (const extra of target.messageIds.slice(messages.length)) await poster.remove(target.channelId, extra);
          await edits.set(key, { channelId: target.channelId, messageIds: ids, updatedAt: createdAt });
          return 'edited';
        } catch (err) {
          // Someone deleted the message: post it anew below (and point the key at the new one).
          if (discordCode(err) !== DiscordCode.UnknownMessage) throw err;
        }
      }
      const channelId = target?.channelId ?? channelOf(reply);
      const ids = await poster.post(reply.replyId, channelId, messages, target ? undefined : reply.inReplyTo);
      await edits.set(key, { channelId, messageIds: ids, updatedAt: createdAt });
      return 'posted';
    });
  }

  /** Answers through the interaction webhook; false when it cannot be used (the caller then posts in the channel). */
  async function viaInteraction(reply: OutboundReply, hook: InteractionWebhook & { interactionId: string }, messages: RenderedMessage[]): Promise<boolean> {
    const born = interactionTime(hook.interactionId);
    if (born === undefined || Date.now() - born > INTERACTION_TOKEN_TTL_MS - 30_000) return false;
    // The bot enqueues before it defers: a quick answer can get here first. Wait for the mark (a few seconds at most).
    let ack = await acks.get(hook.interactionId);
    while (!ack && Date.now() - born < INTERACTION_ACK_DEADLINE_MS + 2_000) {
      await new Promise((r) => setTimeout(r, 50));
      ack = await acks.get(hook.interactionId);
    }
    if (!ack) return false;
    try {
      await poster.answer(reply.replyId, hook, messages, { fillOriginal: ack === 'deferred', ephemeral: reply.private });
      return true;
    } catch (err) {
      if (webhookGone(err)) return false;
      throw err;
    }
  }

  return startReplyDelivery({
    platform: 'discord',
    wiring: opts,
    defaultConcurrency: 8,
    skipped: () => discordMetrics.deliveries.inc({ outcome: 'skipped' }),
    async deliver(reply, job, log) {
      const messages = renderReply(reply);
      if (messages.length === 0) {
        discordMetrics.deliveries.inc({ outcome: 'skipped' });
        log.warn('empty reply skipped (no text, embeds or buttons)');
        return { outcome: 'skipped' };
      }
      let outcome: Outcome;
      try {
        outcome = await deliver(reply, messages, log);
      } catch (err) {
        const e = toHelixError(err, `reply ${reply.replyId}`);
        discordMetrics.deliveries.inc({ outcome: e.code === 'platform_rate_limited' ? 'rate_limited' : e.code === 'platform_rejected' ? 'rejected' : 'failed' });
        if (e.code === 'platform_rate_limited') log.warn({ retry_after_ms: e.retryAfterMs, attempt: job.attemptsMade + 1 }, 'rate-limited by Discord; the queue retries after Retry-After');
        throw e;
      }
      const channelId = reply.conversation.route?.[RouteKey.channelId] ?? reply.conversation.id;
      opts.typing.stop(channelId);
      if (opts.replies && reply.inReplyTo && /^\d{15,22}$/.test(reply.inReplyTo)) {
        await opts.replies.mark(channelId, reply.inReplyTo).catch((err: unknown) => log.debug({ err: (err as Error).message }, 'reply mark not written; another process may show typing until its cap'));
      }
      discordMetrics.deliveries.inc({ outcome });
      log.info({ outcome, messages: messages.length, channel_id: channelId }, 'reply delivered');
      return { outcome };
    },
  });
}

/** The channel a reply goes to: its route's channel id, else the conversation id (a channel id for Discord). */
function channelOf(reply: OutboundReply): string {
  const id = reply.conversation.route?.[RouteKey.channelId] ?? reply.conversation.id;
  if (!/^\d{15,22}$/.test(id)) throw new HelixError('platform_rejected', `conversation ${reply.conversation.id} is not a Discord channel (expected a channel id in conversation.route.channelId or conversation.id)`);
  return id;
}

/** The interaction webhook a reply answers through: its id from the route, its token from the bot's Redis (or, from bots before that, the route). */
async function webhookOf(route: Record<string, string>, acks: InteractionAcks): Promise<(InteractionWebhook & { interactionId: string }) | undefined> {
  const interactionId = route[RouteKey.interactionId];
  const applicationId = route[RouteKey.applicationId];
  if (!interactionId || !applicationId) return undefined;
  const token = route[RouteKey.interactionToken] ?? (await acks.token(interactionId));
  if (!token) return undefined;
  return { interactionId, token, applicationId, ephemeral: route[RouteKey.ephemeral] === '1' };
}

function interactionTime(id: string): number | undefined {
  if (!/^\d{15,22}$/.test(id)) return undefined;
  return SnowflakeUtil.timestampFrom(id);
}
