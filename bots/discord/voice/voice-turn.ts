// What a voice call puts on the mesh and reads back: an utterance's transcript as an InboundTurn, and the
// speakable text of a reply. Pure: the clock and trace context are passed in.
import { InboundTurn, MAX_INBOUND_TEXT_CHARS, type ConversationRef, type InboundTurnInput, type OutboundReply } from '../../../mesh/index.ts';
import { RouteKey } from '../normalize.ts';

/** The conversation id of a voice channel: its own conversation, apart from the typed chat of the same channel. */
export function voiceConversationId(channelId: string): string {
  return `voice-${channelId}`;
}

/** A voice channel as the conversation of its turns (kind `voice`; the route names the channel and guild). */
export function voiceConversation(guildId: string, channelId: string, channelName: string | undefined): ConversationRef {
  return {
    id: voiceConversationId(channelId),
    kind: 'voice',
    ...(channelName ? { title: `🔊${channelName}`.slice(0, 256) } : {}),
    route: { [RouteKey.channelId]: channelId, [RouteKey.guildId]: guildId },
  };
}

/** One transcribed utterance of one speaker. */
export interface HeardUtterance {
  guildId: string;
  channelId: string;
  channelName: string | undefined;
  userId: string;
  /** The guild member's display name. */
  displayName: string;
  text: string;
  /** When the utterance started (ms since the epoch): with the speaker and channel, it names the utterance. */
  startedAt: number;
}

/**
 * The event id of an utterance: unique per utterance (one speaker's utterances never start in the same
 * millisecond) and the same when the add is retried, so a retry is still one turn. Only `[A-Za-z0-9-]`,
 * never all digits: `jobIdFor('discord', id)` keeps it as is.
 */
export function voiceEventId(u: Pick<HeardUtterance, 'channelId' | 'userId' | 'startedAt'>): string {
  return `v-${u.channelId}-${u.userId}-${Math.round(u.startedAt)}`;
}

/** An utterance Helix heard, as the mesh envelope (modality `voice`, the speaker as author). */
export function toVoiceTurn(u: HeardUtterance, receivedAt: Date, traceparent: string): InboundTurn {
  return InboundTurn.parse({
    v: 1,
    platform: 'discord',
    eventId: voiceEventId(u),
    conversation: voiceConversation(u.guildId, u.channelId, u.channelName),
    author: { accountId: u.userId, displayName: u.displayName.slice(0, 256) || 'someone', isBot: false },
    text: u.text.slice(0, MAX_INBOUND_TEXT_CHARS),
    receivedAt: receivedAt.toISOString(),
    modality: 'voice',
    traceparent,
  } satisfies InboundTurnInput);
}

/** True when a reply is for a voice conversation. */
export function isVoiceReply(reply: Pick<OutboundReply, 'conversation'>): boolean {
  return reply.conversation.kind === 'voice';
}

/**
 * The reply as words to say: Discord markdown taken out (code fences, emphasis, links shown by their
 * text, bare URLs as "a link", mentions by nothing), whitespace folded. Embeds and buttons are not spoken.
 */
export function spokenText(reply: Pick<OutboundReply, 'parts'>): string {
  return reply.parts
    .join('\n')
    .replace(/```[a-z0-9_+-]*\n?/gi, ' ')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\[([^\]]+)\]\((?:https?:\/\/|<)[^)]*\)/g, '$1')
    .replace(/<?https?:\/\/\S+>?/g, 'a link')
    .replace(/<(?:@[!&]?|#)\d+>/g, '')
    .replace(/<a?:(\w+):\d+>/g, '$1')
    .replace(/(\*\*|__|~~|\|\|)/g, '')
    .replace(/(^|\s)[*_]+(?=\S)|(?<=\S)[*_]+(?=\s|$|[.,!?;:])/g, '$1')
    .replace(/^\s*(?:#{1,3}\s+|>\s?|[-*]\s+)/gm, '')
    .replace(/\s+/g, ' ')
    .trim();
}
