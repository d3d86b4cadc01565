import { InboundTurn, MAX_INBOUND_TEXT_CHARS, type AttachmentMeta, type ConversationRef, type InboundTurnInput } from '../../mesh/index.ts';
import type { MessageFacts, PlaceKind } from './message-facts.ts';

/** Who Helix is on Discord and where it listens. */
export interface ListenSettings {
  /** Helix's own user id. */
  helixId: string;
  /** Channels where Helix answers every message (`discord.ownChannels`). */
  ownChannels: ReadonlySet<string>;
  /** Ignore other bots and webhooks (`discord.ignoreBots`). */
  ignoreBots: boolean;
}

/** Why a message was left alone (a metrics label). */
export type IgnoreReason = 'own' | 'bot' | 'system' | 'not_addressed' | 'empty';

/** Whether Helix answers a message, and why. */
export type ListenDecision = { answer: true; why: 'dm' | 'own_channel' | 'mention' | 'reply' } | { answer: false; why: IgnoreReason };

/**
 * Decides whether a message is for Helix: DMs always; in guilds when Helix (or its managed role) is
 * mentioned, when the message replies to Helix, or in one of Helix's own channels (and their threads).
 * Never its own messages; other bots and webhooks only when `ignoreBots` is off. Pure.
 */
export function decide(facts: MessageFacts, settings: ListenSettings): ListenDecision {
  if (facts.author.id === settings.helixId) return { answer: false, why: 'own' };
  if (facts.system) return { answer: false, why: 'system' };
  if (settings.ignoreBots && (facts.author.bot || facts.webhook)) return { answer: false, why: 'bot' };
  if (facts.content.trim() === '' && facts.attachments.length === 0) return { answer: false, why: 'empty' };
  if (facts.place === 'dm') return { answer: true, why: 'dm' };
  if (settings.ownChannels.has(facts.channelId) || (facts.parentId !== undefined && settings.ownChannels.has(facts.parentId))) return { answer: true, why: 'own_channel' };
  if (mentionsHelix(facts, settings.helixId)) return { answer: true, why: 'mention' };
  if (facts.replyToAuthorId === settings.helixId) return { answer: true, why: 'reply' };
  return { answer: false, why: 'not_addressed' };
}

function mentionsHelix(facts: MessageFacts, helixId: string): boolean {
  return facts.mentions.some((m) => m.id === helixId) || facts.roleMentions.some((r) => r.botId === helixId);
}

/** Route keys the Discord bot writes into a conversation and reads back when delivering. */
export const RouteKey = {
  channelId: 'channelId',
  guildId: 'guildId',
  parentId: 'parentId',
  messageId: 'messageId',
  interactionId: 'interactionId',
  interactionToken: 'interactionToken',
  applicationId: 'applicationId',
  /** '1' when the interaction's response is ephemeral (follow-ups must be too). */
  ephemeral: 'ephemeral',
} as const;

/** The conversation a channel is: a DM, a guild channel (group), or a thread (its own conversation). */
export function conversationOf(place: { channelId: string; guildId: string | undefined; place: PlaceKind; placeName: string | undefined; parentId: string | undefined }, extraRoute: Record<string, string> = {}): ConversationRef {
  const route: Record<string, string> = { [RouteKey.channelId]: place.channelId };
  if (place.guildId) route[RouteKey.guildId] = place.guildId;
  if (place.parentId) route[RouteKey.parentId] = place.parentId;
  const title = place.place === 'dm' ? 'Discord DM' : place.placeName ? (place.place === 'thread' ? place.placeName : `#${place.placeName}`) : undefined;
  return {
    id: place.channelId,
    kind: place.place,
    ...(title ? { title: title.slice(0, 256) } : {}),
    route: { ...route, ...extraRoute },
  };
}

/**
 * Readable text for the brain: Helix's own mention removed, other mentions shown as @name / #channel,
 * cut to what the envelope allows. A message that was only a mention of Helix keeps that mention.
 */
export function readableText(facts: MessageFacts, helixId: string): string {
  const users = new Map(facts.mentions.map((m) => [m.id, m.displayName]));
  const roles = new Map(facts.roleMentions.map((r) => [r.id, r]));
  const channels = new Map(facts.channelMentions.map((c) => [c.id, c.name]));
  const named = (dropHelix: boolean) =>
    facts.content
      .replace(/<@!?(\d+)>/g, (whole, id: string) => (id === helixId ? (dropHelix ? '' : `@${users.get(id) ?? 'Helix'}`) : users.has(id) ? `@${users.get(id)}` : whole))
      .replace(/<@&(\d+)>/g, (whole, id: string) => {
        const role = roles.get(id);
        if (!role) return whole;
        return role.botId === helixId && dropHelix ? '' : `@${role.name}`;
      })
      .replace(/<#(\d+)>/g, (whole, id: string) => (channels.has(id) ? `#${channels.get(id)}` : whole));
  let text = named(true).replace(/[ \t]{2,}/g, ' ').trim();
  if (text === '' && facts.attachments.length === 0) text = named(false).trim();
  return text.slice(0, MAX_INBOUND_TEXT_CHARS);
}

const MAX_ATTACHMENTS = 25;

/** Attachment metadata only (never the bytes), clipped to the envelope's limits; a URL too long to keep is dropped. */
export function attachmentsOf(facts: MessageFacts): AttachmentMeta[] {
  return facts.attachments.slice(0, MAX_ATTACHMENTS).map((a) => ({
    name: a.name.slice(0, 512),
    ...(a.contentType ? { contentType: a.contentType.slice(0, 256) } : {}),
    ...(a.size !== undefined && a.size >= 0 ? { sizeBytes: Math.floor(a.size) } : {}),
    ...(a.url && a.url.length <= 2_048 && URL.canParse(a.url) ? { url: a.url } : {}),
  }));
}

/** A message Helix answers, as the mesh envelope. Pure: the clock and trace context are passed in. */
export function toInboundTurn(facts: MessageFacts, helixId: string, receivedAt: Date, traceparent: string): InboundTurn {
  return InboundTurn.parse({
    v: 1,
    platform: 'discord',
    eventId: facts.id,
    conversation: conversationOf(facts, { [RouteKey.messageId]: facts.id }),
    author: { accountId: facts.author.id, displayName: facts.author.displayName.slice(0, 256) || 'someone', isBot: facts.author.bot },
    text: readableText(facts, helixId),
    mentions: facts.mentions.slice(0, 100).map((m) => ({ accountId: m.id, displayName: m.displayName.slice(0, 256), isHelix: m.id === helixId })),
    attachments: attachmentsOf(facts),
    ...(facts.replyToId ? { replyToEventId: facts.replyToId } : {}),
    receivedAt: receivedAt.toISOString(),
    modality: 'text',
    traceparent,
  } satisfies InboundTurnInput);
}
