import { InboundTurn, MAX_INBOUND_TEXT_CHARS, type ConversationRef, type InboundTurnInput } from '../../mesh/index.ts';

/** Route keys the Slack bot writes into a conversation and reads back when delivering. */
export const RouteKey = {
  teamId: 'teamId',
  channelId: 'channelId',
  /** The thread the conversation is (replies go there); absent for a DM or a channel. */
  threadTs: 'threadTs',
} as const;

/** The fields of a Slack `message` / `app_mention` event Helix reads. */
export interface SlackMessageEvent {
  type: string;
  subtype?: string;
  channel?: string;
  channel_type?: string;
  user?: string;
  bot_id?: string;
  text?: string;
  ts?: string;
  thread_ts?: string;
  team?: string;
  files?: Array<{ name?: string; mimetype?: string; size?: number; url_private?: string }>;
}

/** Why an event was left alone (a metrics label). */
export type IgnoreReason = 'own' | 'bot' | 'subtype' | 'not_addressed' | 'empty' | 'unreadable';

export type ListenDecision = { answer: true; why: 'dm' | 'mention' } | { answer: false; why: IgnoreReason };

/** Message subtypes that are still a person writing (everything else: edits, joins, deletions... is ignored). */
const PERSON_SUBTYPES = new Set(['file_share', 'thread_broadcast']);

/**
 * Whether Helix answers an event: a `message` in a DM (channel_type im), an `app_mention` anywhere.
 * Never its own messages; bot messages (`bot_id`, subtype `bot_message`) only when `ignoreBots` is off.
 * Channel `message` events are left to `app_mention` (a mention arrives as both). Pure.
 */
export function decide(ev: SlackMessageEvent, settings: { helixUserId: string | undefined; helixBotId: string | undefined; ignoreBots: boolean }): ListenDecision {
  if (!ev.channel || !ev.ts) return { answer: false, why: 'unreadable' };
  if ((settings.helixUserId && ev.user === settings.helixUserId) || (settings.helixBotId && ev.bot_id === settings.helixBotId)) return { answer: false, why: 'own' };
  if (ev.bot_id !== undefined || ev.subtype === 'bot_message') {
    if (settings.ignoreBots) return { answer: false, why: 'bot' };
  } else if (ev.subtype !== undefined && !PERSON_SUBTYPES.has(ev.subtype)) return { answer: false, why: 'subtype' };
  if (!ev.user && !ev.bot_id) return { answer: false, why: 'unreadable' };
  if ((ev.text ?? '').trim() === '' && (ev.files ?? []).length === 0) return { answer: false, why: 'empty' };
  if (ev.type === 'app_mention') return { answer: true, why: 'mention' };
  if (ev.type === 'message' && ev.channel_type === 'im') return { answer: true, why: 'dm' };
  return { answer: false, why: 'not_addressed' };
}

/**
 * The conversation an event belongs to: a thread is its own conversation (`slack-<team>-<channel>-<thread_ts>`),
 * otherwise the DM or channel (`slack-<team>-<channel>`).
 */
export function conversationOf(teamId: string, ev: { channel: string; channel_type?: string; thread_ts?: string }): ConversationRef {
  const base = `slack-${teamId}-${ev.channel}`;
  const route: Record<string, string> = { [RouteKey.teamId]: teamId, [RouteKey.channelId]: ev.channel };
  if (ev.thread_ts) {
    return { id: `${base}-${ev.thread_ts}`, kind: 'thread', title: 'Slack thread', route: { ...route, [RouteKey.threadTs]: ev.thread_ts } };
  }
  const dm = ev.channel_type === 'im' || ev.channel.startsWith('D');
  return { id: base, kind: dm ? 'dm' : 'group', title: dm ? 'Slack DM' : 'Slack channel', route };
}

/** Text for the brain: Helix's own `<@U…>` mention removed (kept when it is all there is), Slack escapes undone. */
export function readableText(text: string, helixUserId: string | undefined): string {
  const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  let out = text;
  if (helixUserId) out = out.replaceAll(new RegExp(`<@${helixUserId}(\\|[^>]*)?>`, 'g'), '');
  out = unescape(out.replace(/[ \t]{2,}/g, ' ').trim());
  if (out === '') out = unescape(text.trim());
  return out.slice(0, MAX_INBOUND_TEXT_CHARS);
}

/** User ids mentioned in the text (`<@U123>` / `<@U123|name>`). */
function mentionsOf(text: string, helixUserId: string | undefined): Array<{ accountId: string; isHelix: boolean }> {
  const ids = new Set<string>();
  for (const m of text.matchAll(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g)) ids.add(m[1] as string);
  return [...ids].slice(0, 100).map((id) => ({ accountId: id, isHelix: id === helixUserId }));
}

/** An event Helix answers, as the mesh envelope. `eventId` is the envelope's `event_id` (the idempotency key). Pure. */
export function toInboundTurn(input: { eventId: string; teamId: string; event: SlackMessageEvent & { channel: string; ts: string }; helixUserId: string | undefined; receivedAt: Date; traceparent: string }): InboundTurn {
  const { event: ev, helixUserId } = input;
  const text = ev.text ?? '';
  const author = ev.user ?? ev.bot_id ?? 'unknown';
  return InboundTurn.parse({
    v: 1,
    platform: 'slack',
    eventId: input.eventId,
    conversation: conversationOf(input.teamId, ev),
    author: { accountId: author, displayName: author, isBot: ev.bot_id !== undefined },
    text: readableText(text, helixUserId),
    mentions: mentionsOf(text, helixUserId),
    attachments: (ev.files ?? []).slice(0, 25).map((f) => ({
      name: (f.name ?? 'file').slice(0, 512),
      ...(f.mimetype ? { contentType: f.mimetype.slice(0, 256) } : {}),
      ...(typeof f.size === 'number' && f.size >= 0 ? { sizeBytes: Math.floor(f.size) } : {}),
      ...(f.url_private && f.url_private.length <= 2_048 && URL.canParse(f.url_private) ? { url: f.url_private } : {}),
    })),
    ...(ev.thread_ts && ev.thread_ts !== ev.ts ? { replyToEventId: ev.thread_ts } : {}),
    receivedAt: input.receivedAt.toISOString(),
    modality: 'text',
    traceparent: input.traceparent,
  } satisfies InboundTurnInput);
}
