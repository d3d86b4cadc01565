import { ChannelType, MessageType, type Message } from 'discord.js';

/** Which kind of place a message was said in. */
export type PlaceKind = 'dm' | 'group' | 'thread';

/** What the bot needs to know about a message, as plain data (so normalizing is pure and table-testable). */
export interface MessageFacts {
  id: string;
  channelId: string;
  guildId: string | undefined;
  place: PlaceKind;
  /** Channel or thread name, when Discord gave one. */
  placeName: string | undefined;
  /** A thread's parent channel. */
  parentId: string | undefined;
  content: string;
  author: { id: string; displayName: string; bot: boolean };
  /** Sent by a webhook (an integration), not a person's account. */
  webhook: boolean;
  /** A system message (joins, pins, boosts...), not something someone said. */
  system: boolean;
  mentions: Array<{ id: string; displayName: string }>;
  roleMentions: Array<{ id: string; name: string; botId: string | undefined }>;
  channelMentions: Array<{ id: string; name: string }>;
  /** The message this one replies to, if any. */
  replyToId: string | undefined;
  /** Author of the replied-to message, when Discord sent it along. */
  replyToAuthorId: string | undefined;
  attachments: Array<{ name: string; contentType: string | undefined; size: number | undefined; url: string | undefined }>;
}

const TEXT_TYPES = new Set<number>([MessageType.Default, MessageType.Reply]);
const THREADS = new Set<number>([ChannelType.PublicThread, ChannelType.PrivateThread, ChannelType.AnnouncementThread]);
const DMS = new Set<number>([ChannelType.DM, ChannelType.GroupDM]);

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Reads a discord.js message into {@link MessageFacts}. Defensive: a gateway payload with odd or
 * missing fields gives empty values here instead of throwing.
 */
export function messageFacts(message: Message): MessageFacts {
  const channel = message.channel as { type?: number; name?: unknown; parentId?: unknown } | null;
  const type = channel?.type ?? (message.guildId ? ChannelType.GuildText : ChannelType.DM);
  const place: PlaceKind = THREADS.has(type) ? 'thread' : DMS.has(type) || !message.guildId ? 'dm' : 'group';
  const author = message.author as Message['author'] | null;
  const mentions = message.mentions;
  const repliedUser = mentions?.repliedUser ?? null;
  return {
    id: message.id,
    channelId: message.channelId,
    guildId: message.guildId ?? undefined,
    place,
    placeName: str(channel?.name),
    parentId: place === 'thread' ? str(channel?.parentId) : undefined,
    content: str(message.content) ?? '',
    author: {
      id: author?.id ?? '',
      displayName: str(message.member?.displayName) ?? str(author?.globalName) ?? str(author?.username) ?? 'someone',
      bot: Boolean(author?.bot),
    },
    webhook: Boolean(message.webhookId),
    system: Boolean(message.system) || !TEXT_TYPES.has(message.type),
    mentions: [...(mentions?.users?.values() ?? [])].map((u) => ({
      id: u.id,
      displayName: str(mentions.members?.get(u.id)?.displayName) ?? str(u.globalName) ?? str(u.username) ?? u.id,
    })),
    roleMentions: [...(mentions?.roles?.values() ?? [])].map((r) => ({ id: r.id, name: str(r.name) ?? r.id, botId: r.tags?.botId ?? undefined })),
    channelMentions: [...(mentions?.channels?.values() ?? [])].map((c) => ({ id: c.id, name: str((c as { name?: unknown }).name) ?? c.id })),
    replyToId: message.reference?.messageId ?? undefined,
    replyToAuthorId: repliedUser?.id,
    attachments: [...(message.attachments?.values() ?? [])].map((a) => ({
      name: str(a.name) ?? 'attachment',
      contentType: str(a.contentType),
      size: typeof a.size === 'number' && Number.isFinite(a.size) ? a.size : undefined,
      url: str(a.url),
    })),
  };
}
