import { z } from 'zod';
import { InboundTurn, MAX_INBOUND_TEXT_CHARS, type InboundTurnInput } from '../../mesh/index.ts';

/** Keys of an X conversation's route (copied by the brain from the turn into its reply). */
export const RouteKey = {
  /** `mention` (answer with a reply post) or `dm` (answer with a direct message). */
  kind: 'kind',
  /** The post a mention reply answers. */
  tweetId: 'tweetId',
  /** Who wrote the mention, or the other participant of a DM conversation. */
  authorId: 'authorId',
  username: 'username',
} as const;

/** The account Helix speaks as. */
export interface XIdentity {
  id: string;
  username: string;
}

/** Why a mention, DM or webhook event makes no turn (a metrics label). */
export type SkipReason = 'malformed' | 'own_post' | 'retweet' | 'no_mention' | 'unsupported_event';

export type Normalized = { turn: InboundTurn } | { skip: SkipReason; detail?: string };

const XId = z.string().regex(/^\d{1,20}$/, 'must be a numeric X id');

/** A post from `GET /2/users/:id/mentions` (with `expansions=author_id`). @see https://docs.x.com/x-api/users/get-mentions */
export const MentionPost = z.object({
  id: XId,
  text: z.string(),
  author_id: XId,
  conversation_id: XId.optional(),
  created_at: z.string().optional(),
  /** Posts longer than 280 carry their full text here. */
  note_tweet: z.object({ text: z.string() }).optional(),
  referenced_tweets: z.array(z.object({ type: z.string(), id: XId })).optional(),
});
export type MentionPost = z.infer<typeof MentionPost>;

/** A user from `includes.users`. */
export const XUser = z.object({ id: XId, username: z.string().min(1).max(64), name: z.string().max(256).optional() });
export type XUser = z.infer<typeof XUser>;

/** A DM event from `GET /2/dm_events`. @see https://docs.x.com/x-api/direct-messages/lookup/introduction */
export const DmEvent = z.object({
  id: XId,
  event_type: z.string(),
  text: z.string().optional(),
  sender_id: XId.optional(),
  dm_conversation_id: z.string().min(1).max(64).optional(),
  created_at: z.string().optional(),
});
export type DmEvent = z.infer<typeof DmEvent>;

/** A post in an Account Activity `tweet_create_events` delivery (v1.1 shape). @see https://docs.x.com/x-api/enterprise-gnip-2.0/fundamentals/account-activity */
export const WebhookPost = z.object({
  id_str: XId,
  text: z.string().optional(),
  full_text: z.string().optional(),
  extended_tweet: z.object({ full_text: z.string() }).optional(),
  user: z.object({ id_str: XId, screen_name: z.string().min(1).max(64), name: z.string().max(256).optional() }),
  in_reply_to_user_id_str: XId.nullish(),
  retweeted_status: z.unknown().optional(),
  entities: z.object({ user_mentions: z.array(z.object({ id_str: XId })).optional() }).optional(),
});

/** A DM in an Account Activity `direct_message_events` delivery. */
export const WebhookDm = z.object({
  type: z.string(),
  id: XId,
  message_create: z.object({
    sender_id: XId,
    target: z.object({ recipient_id: XId }),
    message_data: z.object({ text: z.string() }),
  }).optional(),
});

const why = (error: z.ZodError) => z.prettifyError(error).slice(0, 500);

/** The text without the run of @handles X puts in front of a reply (`@helix @bob what now?` → `what now?`). */
export function withoutLeadingHandles(text: string): string {
  const stripped = text.replace(/^(?:\s*@\w{1,15})+[,:]?\s*/u, '').trim();
  return stripped || text.trim();
}

interface TurnFacts {
  eventId: string;
  conversationId: string;
  kind: 'group' | 'dm';
  title: string;
  route: Record<string, string>;
  author: { id: string; name: string };
  text: string;
  me: XIdentity;
  receivedAt: Date;
  traceparent: string;
}

function buildTurn(f: TurnFacts): InboundTurn {
  return InboundTurn.parse({
    v: 1,
    platform: 'x',
    eventId: f.eventId,
    conversation: { id: f.conversationId, kind: f.kind, title: f.title.slice(0, 256), route: f.route },
    author: { accountId: f.author.id, displayName: f.author.name.slice(0, 256) || f.author.id, isBot: false },
    text: f.text.slice(0, MAX_INBOUND_TEXT_CHARS),
    mentions: f.kind === 'group' ? [{ accountId: f.me.id, displayName: f.me.username, isHelix: true }] : [],
    attachments: [],
    receivedAt: f.receivedAt.toISOString(),
    modality: 'text',
    traceparent: f.traceparent,
  } satisfies InboundTurnInput);
}

/** One conversation per person who mentions Helix: their public mentions are answered in order, a quick burst as one turn. */
export const mentionConversationId = (authorId: string) => `x-mentions-${authorId}`;

function mentionTurn(post: { id: string; text: string; authorId: string; username: string; name?: string | undefined }, me: XIdentity, receivedAt: Date, traceparent: string): InboundTurn {
  return buildTurn({
    eventId: post.id,
    conversationId: mentionConversationId(post.authorId),
    kind: 'group',
    title: `@${post.username} on X`,
    route: { [RouteKey.kind]: 'mention', [RouteKey.tweetId]: post.id, [RouteKey.authorId]: post.authorId, [RouteKey.username]: post.username },
    author: { id: post.authorId, name: post.name || post.username },
    text: withoutLeadingHandles(post.text),
    me, receivedAt, traceparent,
  });
}

/**
 * A post from the mentions timeline as a turn, or why it makes none. Pure: clock and trace passed in.
 * The post id is the event id, so a re-poll (or the same post arriving by webhook) is one job.
 */
export function mentionToTurn(raw: unknown, users: ReadonlyMap<string, XUser>, me: XIdentity, receivedAt: Date, traceparent: string): Normalized {
  const parsed = MentionPost.safeParse(raw);
  if (!parsed.success) return { skip: 'malformed', detail: why(parsed.error) };
  const p = parsed.data;
  if (p.author_id === me.id) return { skip: 'own_post' };
  if (p.referenced_tweets?.some((r) => r.type === 'retweeted')) return { skip: 'retweet' };
  const user = users.get(p.author_id);
  return { turn: mentionTurn({ id: p.id, text: p.note_tweet?.text ?? p.text, authorId: p.author_id, username: user?.username ?? p.author_id, name: user?.name }, me, receivedAt, traceparent) };
}

/** The 1:1 conversation id X gives two participants (`<smaller id>-<larger id>`). */
export function oneToOneConversationId(a: string, b: string): string {
  return BigInt(a) < BigInt(b) ? `${a}-${b}` : `${b}-${a}`;
}

function dmTurn(d: { id: string; text: string; senderId: string; conversationId: string; name?: string | undefined }, me: XIdentity, receivedAt: Date, traceparent: string): InboundTurn {
  return buildTurn({
    eventId: `dm-${d.id}`,
    conversationId: `x-dm-${d.conversationId}`,
    kind: 'dm',
    title: 'Direct message on X',
    route: { [RouteKey.kind]: 'dm', [RouteKey.authorId]: d.senderId },
    author: { id: d.senderId, name: d.name ?? d.senderId },
    text: d.text,
    me, receivedAt, traceparent,
  });
}

/** A DM event from `GET /2/dm_events` as a turn (event id `dm-<id>`), or why it makes none. */
export function dmEventToTurn(raw: unknown, users: ReadonlyMap<string, XUser>, me: XIdentity, receivedAt: Date, traceparent: string): Normalized {
  const parsed = DmEvent.safeParse(raw);
  if (!parsed.success) return { skip: 'malformed', detail: why(parsed.error) };
  const e = parsed.data;
  if (e.event_type !== 'MessageCreate') return { skip: 'unsupported_event' };
  if (!e.sender_id || e.text === undefined || !e.dm_conversation_id) return { skip: 'malformed', detail: 'a MessageCreate event without sender_id, text or dm_conversation_id' };
  if (e.sender_id === me.id) return { skip: 'own_post' };
  if (e.dm_conversation_id.split('-').length !== 2) return { skip: 'unsupported_event', detail: 'group DM conversations are not answered' };
  const user = users.get(e.sender_id);
  return { turn: dmTurn({ id: e.id, text: e.text, senderId: e.sender_id, conversationId: e.dm_conversation_id, name: user?.name ?? user?.username }, me, receivedAt, traceparent) };
}

/** A `tweet_create_events` item of an Account Activity delivery as a turn (same event id as the poller's). */
export function webhookPostToTurn(raw: unknown, me: XIdentity, receivedAt: Date, traceparent: string): Normalized {
  const parsed = WebhookPost.safeParse(raw);
  if (!parsed.success) return { skip: 'malformed', detail: why(parsed.error) };
  const p = parsed.data;
  if (p.user.id_str === me.id) return { skip: 'own_post' };
  if (p.retweeted_status !== undefined) return { skip: 'retweet' };
  const mentioned = p.in_reply_to_user_id_str === me.id || (p.entities?.user_mentions ?? []).some((m) => m.id_str === me.id);
  if (!mentioned) return { skip: 'no_mention' };
  const text = p.extended_tweet?.full_text ?? p.full_text ?? p.text;
  if (text === undefined) return { skip: 'malformed', detail: 'a post without text' };
  return { turn: mentionTurn({ id: p.id_str, text, authorId: p.user.id_str, username: p.user.screen_name, name: p.user.name }, me, receivedAt, traceparent) };
}

/** A `direct_message_events` item of an Account Activity delivery as a turn (same event id as the DM poller's). */
export function webhookDmToTurn(raw: unknown, me: XIdentity, receivedAt: Date, traceparent: string): Normalized {
  const parsed = WebhookDm.safeParse(raw);
  if (!parsed.success) return { skip: 'malformed', detail: why(parsed.error) };
  const d = parsed.data;
  if (d.type !== 'message_create' || !d.message_create) return { skip: 'unsupported_event' };
  const m = d.message_create;
  if (m.sender_id === me.id) return { skip: 'own_post' };
  return { turn: dmTurn({ id: d.id, text: m.message_data.text, senderId: m.sender_id, conversationId: oneToOneConversationId(m.sender_id, m.target.recipient_id) }, me, receivedAt, traceparent) };
}
