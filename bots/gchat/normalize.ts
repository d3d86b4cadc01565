import { z } from 'zod';
import { InboundTurn, MAX_INBOUND_TEXT_CHARS, type ConversationRef, type InboundTurnInput } from '../../mesh/index.ts';

/** Route keys the Google Chat bot writes into a conversation and reads back when delivering. */
export const RouteKey = {
  /** `spaces/AAA`: where replies are created. */
  space: 'space',
  /** `spaces/AAA/threads/TTT`: the thread replies go to. */
  thread: 'thread',
} as const;

const ChatUser = z.looseObject({
  name: z.string().max(256).optional(),
  displayName: z.string().max(512).optional(),
  /** `HUMAN` or `BOT`. */
  type: z.string().max(32).optional(),
});

const Annotation = z.looseObject({
  type: z.string().max(64).optional(),
  userMention: z.looseObject({ user: ChatUser.optional() }).optional(),
});

const Attachment = z.looseObject({
  name: z.string().max(1_024).optional(),
  contentName: z.string().max(1_024).optional(),
  contentType: z.string().max(256).optional(),
  downloadUri: z.string().max(4_096).optional(),
});

/**
 * The fields of a Chat app interaction event Helix reads (the classic, non-add-on envelope). Everything
 * else is allowed through and ignored.
 * @see https://developers.google.com/workspace/chat/api/reference/rest/v1/Event
 */
export const ChatEvent = z.looseObject({
  /** `MESSAGE`, `ADDED_TO_SPACE`, `REMOVED_FROM_SPACE`, `CARD_CLICKED`, `WIDGET_UPDATED`, `APP_COMMAND`... */
  type: z.string().min(1).max(64),
  eventTime: z.string().max(64).optional(),
  space: z.looseObject({
    name: z.string().regex(/^spaces\/[^/\s]{1,200}$/, 'must be a space name: spaces/<id>'),
    /** Deprecated `DM` / `ROOM`; `spaceType` is its successor. */
    type: z.string().max(32).optional(),
    spaceType: z.string().max(32).optional(),
    singleUserBotDm: z.boolean().optional(),
    displayName: z.string().max(512).optional(),
  }).optional(),
  message: z.looseObject({
    name: z.string().regex(/^spaces\/[^/\s]{1,200}\/messages\/[^/\s]{1,200}$/, 'must be a message name: spaces/<id>/messages/<id>'),
    text: z.string().max(64_000).optional(),
    /** The text with the app's @mention removed. */
    argumentText: z.string().max(64_000).optional(),
    sender: ChatUser.optional(),
    thread: z.looseObject({ name: z.string().max(512).optional() }).optional(),
    annotations: z.array(Annotation).max(500).optional(),
    attachment: z.array(Attachment).max(100).optional(),
  }).optional(),
  user: ChatUser.optional(),
});
export type ChatEvent = z.infer<typeof ChatEvent>;

/** Why an event made no turn (a metrics label). */
export type IgnoreReason = 'removed' | 'card_clicked' | 'unsupported_type' | 'bot' | 'empty';

/** What the bot does with a verified, well-formed event. */
export type EventOutcome =
  | { action: 'turn'; turn: InboundTurn; thread: string | undefined }
  | { action: 'greet'; dm: boolean }
  | { action: 'ignore'; reason: IgnoreReason }
  | { action: 'malformed'; reason: string };

/** True for a one-to-one conversation with the app. */
export function isDm(space: NonNullable<ChatEvent['space']>): boolean {
  return space.singleUserBotDm === true || space.spaceType === 'DIRECT_MESSAGE' || space.type === 'DM';
}

/** The conversation of a message: a DM is the space; in a space, the thread the message is in (replies go there). */
export function conversationOf(space: NonNullable<ChatEvent['space']>, thread: string | undefined): ConversationRef {
  const route: Record<string, string> = { [RouteKey.space]: space.name };
  const title = space.displayName ? space.displayName.slice(0, 256) : undefined;
  if (isDm(space)) return { id: space.name, kind: 'dm', title: title ?? 'Google Chat DM', route: thread ? { ...route, [RouteKey.thread]: thread } : route };
  if (thread) return { id: thread, kind: 'thread', title: title ?? 'Google Chat thread', route: { ...route, [RouteKey.thread]: thread } };
  return { id: space.name, kind: 'group', title: title ?? 'Google Chat space', route };
}

/** What Helix reads: `argumentText` (the app's @mention already taken out by Chat), else the text. */
export function readableText(message: { text?: string | undefined; argumentText?: string | undefined }): string {
  const arg = message.argumentText?.trim() ?? '';
  const out = arg !== '' ? arg : (message.text?.trim() ?? '');
  return out.slice(0, MAX_INBOUND_TEXT_CHARS);
}

/**
 * A verified event as a turn, a greeting, or why it makes none. Pure: the clock and trace context are
 * passed in. The message name (`spaces/X/messages/Y`) is the event id, so a redelivered event is the
 * same job on the queue and makes no second turn.
 */
export function toOutcome(event: ChatEvent, receivedAt: Date, traceparent: string): EventOutcome {
  switch (event.type) {
    case 'MESSAGE':
      break;
    case 'ADDED_TO_SPACE':
      // Added by an @mention ("@Helix hello"): the event carries that message, which deserves an answer.
      if (!event.message) return { action: 'greet', dm: event.space ? isDm(event.space) : false };
      break;
    case 'REMOVED_FROM_SPACE':
      return { action: 'ignore', reason: 'removed' };
    case 'CARD_CLICKED':
      return { action: 'ignore', reason: 'card_clicked' };
    default:
      return { action: 'ignore', reason: 'unsupported_type' };
  }
  const { space, message } = event;
  if (!space) return { action: 'malformed', reason: 'space: a MESSAGE event names its space' };
  if (!message) return { action: 'malformed', reason: 'message: a MESSAGE event carries its message' };
  if (!message.name.startsWith(`${space.name}/`)) return { action: 'malformed', reason: 'message.name: not a message of event.space' };
  const sender = message.sender ?? event.user;
  if (!sender?.name) return { action: 'malformed', reason: 'message.sender.name: who wrote the message is required' };
  if (sender.type === 'BOT') return { action: 'ignore', reason: 'bot' };
  const text = readableText(message);
  const attachments = (message.attachment ?? []).slice(0, 25).map((a) => ({
    name: (a.contentName ?? a.name ?? 'attachment').slice(0, 512),
    ...(a.contentType ? { contentType: a.contentType.slice(0, 256) } : {}),
    ...(a.downloadUri && a.downloadUri.length <= 2_048 && URL.canParse(a.downloadUri) ? { url: a.downloadUri } : {}),
  }));
  if (text === '' && attachments.length === 0) return { action: 'ignore', reason: 'empty' };
  const threadName = message.thread?.name;
  const thread = threadName && threadName.startsWith(`${space.name}/threads/`) ? threadName : undefined;
  const mentions = (message.annotations ?? [])
    .filter((a) => a.type === 'USER_MENTION' && a.userMention?.user?.name)
    .slice(0, 100)
    .map((a) => {
      const u = a.userMention!.user!;
      return { accountId: u.name!.slice(0, 256), ...(u.displayName ? { displayName: u.displayName.slice(0, 256) } : {}), isHelix: u.type === 'BOT' };
    });
  const turn = InboundTurn.parse({
    v: 1,
    platform: 'gchat',
    eventId: message.name,
    conversation: conversationOf(space, thread),
    author: { accountId: sender.name.slice(0, 256), displayName: (sender.displayName || sender.name).slice(0, 256), isBot: false },
    text,
    mentions,
    attachments,
    receivedAt: receivedAt.toISOString(),
    modality: 'text',
    traceparent,
  } satisfies InboundTurnInput);
  return { action: 'turn', turn, thread };
}
