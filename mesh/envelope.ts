import { z } from 'zod';
import { Platform } from './platform.ts';
import { Traceparent } from './trace.ts';

/** Largest text Helix accepts in one inbound message (GitHub allows 65,536; nobody chats more). */
export const MAX_INBOUND_TEXT_CHARS = 32_000;

/** The platform's own id for an event (message id, Slack event_id, X-GitHub-Delivery...): the idempotency key. */
export const PlatformEventId = z.string().min(1).max(256).brand<'PlatformEventId'>();
export type PlatformEventId = z.infer<typeof PlatformEventId>;

/** An account on one platform (a Discord user id, a Slack user id, a GitHub login...). */
export const PlatformAccountId = z.string().min(1).max(256).brand<'PlatformAccountId'>();
export type PlatformAccountId = z.infer<typeof PlatformAccountId>;

export const ConversationKind = z.enum(['dm', 'group', 'thread', 'voice']);
export type ConversationKind = z.infer<typeof ConversationKind>;

/**
 * What a bot needs to deliver back to a place (a channel id, a thread ts, an interaction's webhook):
 * opaque string pairs, written by the bot that received the event and read only by it.
 */
export const Route = z.record(z.string().max(64), z.string().max(512)).refine((r) => Object.keys(r).length <= 16, 'at most 16 route keys');
export type Route = z.infer<typeof Route>;

/**
 * Where a conversation happens. `id` is unique within its platform and opaque to the brain;
 * `route` carries what the bot needs to deliver back (a thread ts, an installation id) and is
 * copied unchanged from the inbound turn into the reply.
 */
export const ConversationRef = z.object({
  id: z.string().min(1).max(512),
  kind: ConversationKind,
  title: z.string().max(256).optional(),
  route: Route.optional(),
});
export type ConversationRef = z.infer<typeof ConversationRef>;

/** The speaker, as the platform names them. Identity (person) is resolved by the brain. */
export const Author = z.object({
  accountId: PlatformAccountId,
  displayName: z.string().min(1).max(256),
  isBot: z.boolean().default(false),
});
export type Author = z.infer<typeof Author>;

export const Mention = z.object({
  accountId: PlatformAccountId,
  displayName: z.string().max(256).optional(),
  /** The mention is of Helix itself. */
  isHelix: z.boolean().default(false),
});
export type Mention = z.infer<typeof Mention>;

/** Metadata only: Helix never copies attachment bytes onto the queue. */
export const AttachmentMeta = z.object({
  name: z.string().max(512),
  contentType: z.string().max(256).optional(),
  sizeBytes: z.number().int().nonnegative().optional(),
  url: z.url().max(2_048).optional(),
});
export type AttachmentMeta = z.infer<typeof AttachmentMeta>;

/** Companion commands a person can give explicitly (a Discord slash command, a Slack shortcut...). */
export const CompanionCommandName = z.enum(['link', 'unlink', 'remember', 'forget', 'export']);
export type CompanionCommandName = z.infer<typeof CompanionCommandName>;

/**
 * An explicit command riding on a turn. The turn's `text` always carries a readable form as well
 * (`/remember my dog is Juno`), so a brain that does not act on commands yet still answers sensibly.
 */
export const CompanionCommand = z.object({
  name: CompanionCommandName,
  /** The command's options by name (`{ text: 'my dog is Juno' }`). */
  args: z.record(z.string().max(64), z.string().max(4_000)).refine((a) => Object.keys(a).length <= 25, 'at most 25 args').default({}),
});
export type CompanionCommand = z.infer<typeof CompanionCommand>;

/** One platform event normalized: what every bot puts on the `inbound` queue. */
export const InboundTurn = z.object({
  v: z.literal(1),
  platform: Platform,
  eventId: PlatformEventId,
  conversation: ConversationRef,
  author: Author,
  text: z.string().max(MAX_INBOUND_TEXT_CHARS),
  mentions: z.array(Mention).max(100).default([]),
  attachments: z.array(AttachmentMeta).max(25).default([]),
  /** The platform event this message answers (a Discord reply, a thread parent), if any. */
  replyToEventId: PlatformEventId.optional(),
  receivedAt: z.iso.datetime({ offset: true }),
  modality: z.enum(['text', 'voice']).default('text'),
  /** Set when the person gave an explicit command (a slash command) rather than a message. */
  command: CompanionCommand.optional(),
  traceparent: Traceparent,
});
export type InboundTurn = z.infer<typeof InboundTurn>;
/** What a producer writes before defaults are applied (defaults fill in on parse). */
export type InboundTurnInput = z.input<typeof InboundTurn>;

export const EmbedField = z.object({
  name: z.string().min(1).max(256),
  value: z.string().min(1).max(1_024),
  inline: z.boolean().default(false),
});

/** A rich card (a Discord embed, a Slack section): bots render what their platform supports. */
export const Embed = z.object({
  title: z.string().max(256).optional(),
  description: z.string().max(4_096).optional(),
  url: z.url().optional(),
  color: z.number().int().min(0).max(0xffffff).optional(),
  fields: z.array(EmbedField).max(25).default([]),
  footer: z.string().max(2_048).optional(),
  timestamp: z.iso.datetime({ offset: true }).optional(),
});
export type Embed = z.infer<typeof Embed>;

/** A button. `action` is what comes back (as an ops action or a companion command) when clicked. */
export const Button = z.object({
  action: z.string().min(1).max(100),
  label: z.string().min(1).max(80),
  style: z.enum(['primary', 'secondary', 'success', 'danger', 'link']).default('secondary'),
  url: z.url().optional(),
  disabled: z.boolean().default(false),
});
export type Button = z.infer<typeof Button>;

/** A reply going back to a platform, on `outbound-<platform>`. */
export const OutboundReply = z.object({
  v: z.literal(1),
  platform: Platform,
  /** Stable id of this reply (derived from the turn's event ids): the outbound dedupe key. */
  replyId: z.string().min(1).max(300),
  /** `draft`: partial text while the model streams (only to platforms with drafts); `final`: the reply. */
  kind: z.enum(['final', 'draft']).default('final'),
  /** Ordinal of a draft within its reply; later drafts supersede earlier ones. */
  seq: z.number().int().nonnegative().default(0),
  conversation: ConversationRef,
  inReplyTo: PlatformEventId.optional(),
  /** Text in the platform's markdown dialect; bots split each part further to their hard limits. */
  parts: z.array(z.string().max(40_000)).max(20),
  embeds: z.array(Embed).max(10).default([]),
  buttons: z.array(Button).max(25).default([]),
  /** When set, the bot edits the message it previously sent under this key instead of posting anew. */
  editKey: z.string().min(1).max(200).optional(),
  /**
   * Role ids this reply may ping (Discord `allowed_mentions.roles`; ops pages on-call roles). Mentions of
   * any other role, and @everyone, stay silent.
   */
  mentionRoles: z.array(z.string().regex(/^\d{15,22}$/)).max(100).default([]),
  /** Say it aloud where the conversation is a voice channel. */
  speak: z.boolean().default(false),
  /**
   * Only the person who asked may see it (an ephemeral interaction reply on Discord). A bot that cannot
   * answer privately in this conversation refuses the reply rather than posting it publicly.
   */
  private: z.boolean().default(false),
  traceparent: Traceparent,
  createdAt: z.iso.datetime({ offset: true }),
});
export type OutboundReply = z.infer<typeof OutboundReply>;
export type OutboundReplyInput = z.input<typeof OutboundReply>;
