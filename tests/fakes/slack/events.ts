// Events API side of the fake Slack: payload builders shaped like Slack's (url_verification,
// event_callback envelopes with `message` / `app_mention` events) and a signed HTTP delivery
// (`X-Slack-Signature: v0=hex(HMAC-SHA256(secret, "v0:<ts>:<raw body>"))`, `X-Slack-Request-Timestamp`,
// optional `X-Slack-Retry-Num` / `X-Slack-Retry-Reason`), timed like Slack's 3 s delivery window.
import { createHmac, randomBytes } from 'node:crypto';

export interface Ids {
  teamId: string;
  appId: string;
  botUserId: string;
  verificationToken: string;
}

export type SlackEvent = Record<string, unknown> & { type: string };

export interface EventCallback {
  token: string;
  team_id: string;
  context_team_id: string;
  context_enterprise_id: null;
  api_app_id: string;
  event: SlackEvent;
  type: 'event_callback';
  event_id: string;
  event_time: number;
  authorizations: Array<{ enterprise_id: null; team_id: string; user_id: string; is_bot: boolean; is_enterprise_install: boolean }>;
  is_ext_shared_channel: boolean;
  event_context: string;
}

export interface UrlVerification {
  token: string;
  challenge: string;
  type: 'url_verification';
}

/** v0 signature of a raw body at a timestamp (seconds), exactly as Slack computes it. */
export function signV0(signingSecret: string, timestampSec: number, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestampSec}:${rawBody}`).digest('hex')}`;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
function slackId(prefix: string, len = 10): string {
  const bytes = randomBytes(len);
  let s = prefix;
  for (const b of bytes) s += ALNUM[b % ALNUM.length];
  return s;
}

let tsSeq = 0;
/** A Slack message timestamp: "<unix seconds>.<6 digits>", unique and increasing within the process. */
export function nextTs(nowMs = Date.now()): string {
  tsSeq = (tsSeq + 1) % 1_000_000;
  return `${Math.floor(nowMs / 1000)}.${String(tsSeq).padStart(6, '0')}`;
}

export function newEventId(): string {
  return slackId('Ev', 10);
}

export function urlVerification(ids: Ids, challenge = randomBytes(24).toString('base64url')): UrlVerification {
  return { token: ids.verificationToken, challenge, type: 'url_verification' };
}

export function eventCallback(ids: Ids, event: SlackEvent, eventId = newEventId()): EventCallback {
  const eventTs = typeof event['event_ts'] === 'string' ? event['event_ts'] : nextTs();
  return {
    token: ids.verificationToken,
    team_id: ids.teamId,
    context_team_id: ids.teamId,
    context_enterprise_id: null,
    api_app_id: ids.appId,
    event,
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Number(eventTs)),
    authorizations: [{ enterprise_id: null, team_id: ids.teamId, user_id: ids.botUserId, is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
    event_context: `4-${Buffer.from(JSON.stringify({ et: event.type, tid: ids.teamId, aid: ids.appId, cid: event['channel'] })).toString('base64url')}`,
  };
}

export interface MessageEventInput {
  channel: string;
  user: string;
  text: string;
  /** 'im' for a DM, 'channel' for a public channel, 'group' for private, 'mpim' for group DMs. */
  channelType?: 'im' | 'channel' | 'group' | 'mpim';
  /** Parent ts: makes this a thread reply. */
  threadTs?: string;
  ts?: string;
  team?: string;
}

/** A `message` event as a user (not a bot) sends it: rich_text blocks, client_msg_id, channel_type. */
export function messageEvent(ids: Ids, m: MessageEventInput): SlackEvent {
  const ts = m.ts ?? nextTs();
  const ev: SlackEvent = {
    user: m.user,
    type: 'message',
    ts,
    client_msg_id: crypto.randomUUID(),
    text: m.text,
    team: m.team ?? ids.teamId,
    blocks: [{ type: 'rich_text', block_id: slackId('', 5).toLowerCase(), elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text: m.text }] }] }],
    channel: m.channel,
    event_ts: ts,
    channel_type: m.channelType ?? 'im',
  };
  if (m.threadTs !== undefined) {
    ev['thread_ts'] = m.threadTs;
    ev['parent_user_id'] = ids.botUserId;
  }
  return ev;
}

export interface MentionInput {
  channel: string;
  user: string;
  /** Text after the mention; the event text becomes "<@BOTUSER> <text>". */
  text: string;
  threadTs?: string;
  ts?: string;
}

export function appMentionEvent(ids: Ids, m: MentionInput): SlackEvent {
  const ts = m.ts ?? nextTs();
  const text = `<@${ids.botUserId}> ${m.text}`;
  const ev: SlackEvent = {
    client_msg_id: crypto.randomUUID(),
    type: 'app_mention',
    text,
    user: m.user,
    ts,
    blocks: [{ type: 'rich_text', block_id: slackId('', 5).toLowerCase(), elements: [{ type: 'rich_text_section', elements: [{ type: 'user', user_id: ids.botUserId }, { type: 'text', text: ` ${m.text}` }] }] }],
    team: ids.teamId,
    channel: m.channel,
    event_ts: ts,
  };
  if (m.threadTs !== undefined) ev['thread_ts'] = m.threadTs;
  return ev;
}

export interface DeliverOptions {
  /** Request timestamp in seconds. Default: now. Set it > 300 s in the past to test replay protection. */
  timestampSec?: number;
  /** Sign with this secret instead of the real one (a forged signature). */
  forgeWithSecret?: string;
  /** Send this exact signature header (e.g. 'v0=deadbeef'). */
  signatureOverride?: string;
  /** Slack's retry headers: X-Slack-Retry-Num (1..3) and X-Slack-Retry-Reason. */
  retryNum?: number;
  retryReason?: 'http_timeout' | 'too_many_requests' | 'http_error' | 'unknown_error' | 'ssl_error' | 'connection_failed';
  /** Slack gives up after 3 s; `timedOut` is set when the bot took longer. Default 3000. */
  slackTimeoutMs?: number;
}

export interface DeliveryResult {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Body parsed as JSON when it is JSON. */
  json: unknown;
  /** Wall time from sending the request to the end of the response body. */
  elapsedMs: number;
  /** True when the bot took longer than Slack's 3 s window (Slack would retry with reason http_timeout). */
  timedOut: boolean;
  sentHeaders: Record<string, string>;
  rawBody: string;
}

export async function deliverSigned(signingSecret: string, botUrl: string, payload: unknown, opts: DeliverOptions = {}): Promise<DeliveryResult> {
  const rawBody = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const ts = opts.timestampSec ?? Math.floor(Date.now() / 1000);
  const signature = opts.signatureOverride ?? signV0(opts.forgeWithSecret ?? signingSecret, ts, rawBody);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    accept: '*/*',
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': signature,
  };
  if (opts.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(opts.retryNum);
    headers['x-slack-retry-reason'] = opts.retryReason ?? 'http_timeout';
  }
  const started = performance.now();
  const res = await fetch(botUrl, { method: 'POST', headers, body: rawBody });
  const body = await res.text();
  const elapsedMs = performance.now() - started;
  let json: unknown;
  try {
    json = body === '' ? undefined : JSON.parse(body);
  } catch {
    json = undefined;
  }
  return {
    status: res.status,
    headers: Object.fromEntries(res.headers.entries()),
    body,
    json,
    elapsedMs,
    timedOut: elapsedMs > (opts.slackTimeoutMs ?? 3000),
    sentHeaders: headers,
    rawBody,
  };
}
