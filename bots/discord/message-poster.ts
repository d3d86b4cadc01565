import { createHash } from 'node:crypto';
import { Routes, type REST } from 'discord.js';
import type { DeliveryLedger } from '../../mesh/index.ts';
import { EPHEMERAL_FLAG, MAX_NONCE_CHARS } from './limits.ts';
import type { RenderedMessage } from './render.ts';
import { discordCode, DiscordCode } from './rest-errors.ts';

/** Model output may say "@everyone": only people (and the person replied to) can be pinged. */
const ALLOWED_MENTIONS = { parse: ['users'], replied_user: true } as const;

/** The webhook of one interaction (from a reply's route). */
export interface InteractionWebhook {
  applicationId: string;
  token: string;
  /** The response was deferred as ephemeral: follow-ups must be ephemeral too. */
  ephemeral: boolean;
}

/** Codes meaning an interaction's webhook can no longer be used (too old, or never acknowledged). */
const WEBHOOK_GONE = new Set<number>([DiscordCode.UnknownWebhook, DiscordCode.InvalidWebhookToken, DiscordCode.UnknownInteraction, DiscordCode.UnknownMessage]);

/** True when `err` says the interaction webhook is gone, so a public reply should go to the channel instead. */
export function webhookGone(err: unknown): boolean {
  const code = discordCode(err);
  return code !== undefined && WEBHOOK_GONE.has(code);
}

/** A per-message nonce (≤ 25 chars) so a repeated create within minutes returns the first message. */
export function nonceFor(replyId: string, index: number): string {
  return createHash('sha256').update(`${replyId}#${index}`).digest('base64url').slice(0, MAX_NONCE_CHARS);
}

function body(m: RenderedMessage): Record<string, unknown> {
  return { ...(m.content !== undefined ? { content: m.content } : {}), embeds: m.embeds, components: m.components, allowed_mentions: allowedMentions(m) };
}

/** Users only, plus the roles the reply names (ops pinging on-call); never @everyone. */
export function allowedMentions(m: Pick<RenderedMessage, 'allowedRoles'>): Record<string, unknown> {
  return m.allowedRoles?.length ? { ...ALLOWED_MENTIONS, roles: m.allowedRoles.slice(0, 100) } : ALLOWED_MENTIONS;
}

/**
 * Posts and edits Discord messages over REST, recording each posted message in the ledger so a retry
 * skips it. Only knows Discord's routes; which route to use is the delivery's choice.
 */
export class MessagePoster {
  readonly #rest: REST;
  readonly #ledger: DeliveryLedger;

  constructor(rest: REST, ledger: DeliveryLedger) {
    this.#rest = rest;
    this.#ledger = ledger;
  }

  /** Posts the messages of a reply in a channel (the first as a reply to `replyTo`); returns every message id in order. */
  async post(replyId: string, channelId: string, messages: RenderedMessage[], replyTo: string | undefined): Promise<string[]> {
    const posted = await this.#ledger.posted(replyId);
    const ids: string[] = [];
    for (const [i, m] of messages.entries()) {
      const known = posted.get(i);
      if (known) {
        ids.push(known);
        continue;
      }
      const reference = i === 0 && replyTo && /^\d{1,22}$/.test(replyTo) ? { message_reference: { message_id: replyTo, fail_if_not_exists: false } } : {};
      const res = (await this.#rest.post(Routes.channelMessages(channelId), { body: { ...body(m), ...reference, nonce: nonceFor(replyId, i), enforce_nonce: true } })) as { id: string };
      await this.#ledger.record(replyId, i, res.id);
      ids.push(res.id);
    }
    return ids;
  }

  /** Replaces a message's content, embeds and buttons. */
  async edit(channelId: string, messageId: string, m: RenderedMessage): Promise<void> {
    await this.#rest.patch(Routes.channelMessage(channelId, messageId), { body: { content: m.content ?? '', embeds: m.embeds, components: m.components, allowed_mentions: allowedMentions(m) } });
  }

  /** Deletes a message; one already gone counts as deleted. */
  async remove(channelId: string, messageId: string): Promise<void> {
    await this.#rest.delete(Routes.channelMessage(channelId, messageId)).catch((err: unknown) => {
      if (discordCode(err) !== DiscordCode.UnknownMessage) throw err;
    });
  }

  /**
   * Answers through an interaction's webhook: the first message fills the deferred response
   * (`@original`), the rest are follow-ups (ephemeral when the response is). No bot token is used.
   */
  async answer(replyId: string, hook: InteractionWebhook, messages: RenderedMessage[], opts: { fillOriginal: boolean; ephemeral: boolean }): Promise<string[]> {
    const posted = await this.#ledger.posted(replyId);
    const ids: string[] = [];
    for (const [i, m] of messages.entries()) {
      const known = posted.get(i);
      if (known) {
        ids.push(known);
        continue;
      }
      let res: { id: string };
      if (i === 0 && opts.fillOriginal) {
        res = (await this.#rest.patch(Routes.webhookMessage(hook.applicationId, hook.token, '@original'), { body: body(m), auth: false })) as { id: string };
      } else {
        const flags = opts.ephemeral || hook.ephemeral ? EPHEMERAL_FLAG : 0;
        res = (await this.#rest.post(Routes.webhook(hook.applicationId, hook.token), { body: { ...body(m), flags }, auth: false, query: new URLSearchParams({ wait: 'true' }) })) as { id: string };
      }
      await this.#ledger.record(replyId, i, res.id);
      ids.push(res.id);
    }
    return ids;
  }
}
