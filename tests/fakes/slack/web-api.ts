// Web API side of the fake Slack: POST <base>/api/<method> with a form (what @slack/web-api sends:
// application/x-www-form-urlencoded, object args JSON-encoded) or a JSON body (then the token must be a
// Bearer header, as on Slack). HTTP 200 with {ok:false,error} for every API error; 429 + Retry-After
// (body {ok:false,error:'ratelimited'}) for a scripted rate limit.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { nextTs } from './events.ts';

export interface RecordedCall {
  method: string;
  /** Arguments as received; JSON-encoded form fields (blocks, attachments, metadata) are decoded. */
  args: Record<string, unknown>;
  contentType: string;
  /** Token used (from `Authorization: Bearer …` or the `token` field), or undefined. */
  token: string | undefined;
  headers: IncomingMessage['headers'];
  /** HTTP status the fake answered. */
  status: number;
  /** Response body the fake answered. */
  response: Record<string, unknown>;
  at: number;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  text: string | undefined;
  blocks: unknown;
  threadTs: string | undefined;
  user: string;
  botId: string;
  edited: boolean;
}

export interface ChannelSeed {
  id: string;
  name?: string;
  /** 'im' for a DM with `user`. */
  kind: 'channel' | 'group' | 'im' | 'mpim';
  user?: string;
}

export interface UserSeed {
  id: string;
  name: string;
  realName?: string;
  isBot?: boolean;
  tz?: string;
}

export type Failure = { kind: 'ratelimit'; retryAfterSec: number; times: number } | { kind: 'error'; error: string; times: number };

export interface WebApiState {
  teamId: string;
  teamName: string;
  teamDomain: string;
  botUserId: string;
  botId: string;
  botName: string;
  appId: string;
  botToken: string;
  appToken: string | undefined;
  channels: Map<string, ChannelSeed>;
  users: Map<string, UserSeed>;
  calls: RecordedCall[];
  messages: StoredMessage[];
  failures: Map<string, Failure[]>;
  /** Socket Mode: mints a ws:// URL for apps.connections.open. */
  openSocket: (() => string) | undefined;
}

const JSON_FIELDS = new Set(['blocks', 'attachments', 'metadata']);

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseArgs(contentType: string, raw: string): Record<string, unknown> | undefined {
  if (raw === '') return {};
  if (contentType.startsWith('application/json')) {
    try {
      const v: unknown = JSON.parse(raw);
      return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }
  // Slack accepts urlencoded forms (and treats an unspecified content type the same way).
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    if (JSON_FIELDS.has(k)) {
      try {
        out[k] = JSON.parse(v);
        continue;
      } catch {
        /* keep the string, validated below */
      }
    }
    out[k] = v;
  }
  return out;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function channelObject(s: WebApiState, c: ChannelSeed): Record<string, unknown> {
  const created = 1_700_000_000;
  if (c.kind === 'im') {
    return { id: c.id, created, is_archived: false, is_im: true, is_org_shared: false, context_team_id: s.teamId, updated: created * 1000, user: c.user, last_read: '0000000000.000000', latest: null, unread_count: 0, unread_count_display: 0, is_open: true, priority: 0 };
  }
  return {
    id: c.id,
    name: c.name ?? c.id.toLowerCase(),
    is_channel: c.kind === 'channel',
    is_group: c.kind === 'group',
    is_im: false,
    is_mpim: c.kind === 'mpim',
    is_private: c.kind !== 'channel',
    created,
    is_archived: false,
    is_general: c.name === 'general',
    unlinked: 0,
    name_normalized: c.name ?? c.id.toLowerCase(),
    is_shared: false,
    is_org_shared: false,
    is_pending_ext_shared: false,
    pending_shared: [],
    context_team_id: s.teamId,
    updated: created * 1000,
    creator: s.botUserId,
    is_ext_shared: false,
    shared_team_ids: [s.teamId],
    is_member: true,
    topic: { value: '', creator: '', last_set: 0 },
    purpose: { value: '', creator: '', last_set: 0 },
    previous_names: [],
  };
}

function userObject(s: WebApiState, u: UserSeed): Record<string, unknown> {
  const real = u.realName ?? u.name;
  return {
    id: u.id,
    team_id: s.teamId,
    name: u.name,
    deleted: false,
    color: '9f69e7',
    real_name: real,
    tz: u.tz ?? 'Europe/London',
    tz_label: 'Greenwich Mean Time',
    tz_offset: 0,
    profile: { real_name: real, display_name: u.name, real_name_normalized: real, display_name_normalized: u.name, team: s.teamId, avatar_hash: 'g0000000000a', image_48: 'https://secure.gravatar.com/avatar/0.jpg', image_72: 'https://secure.gravatar.com/avatar/0.jpg' },
    is_admin: false,
    is_owner: false,
    is_primary_owner: false,
    is_restricted: false,
    is_ultra_restricted: false,
    is_bot: u.isBot ?? false,
    is_app_user: false,
    updated: 1_700_000_000,
    is_email_confirmed: true,
    who_can_share_contact_card: 'EVERYONE',
  };
}

function botMessage(s: WebApiState, m: StoredMessage): Record<string, unknown> {
  const msg: Record<string, unknown> = {
    user: s.botUserId,
    type: 'message',
    ts: m.ts,
    bot_id: s.botId,
    app_id: s.appId,
    text: m.text ?? '',
    team: s.teamId,
    bot_profile: { id: s.botId, app_id: s.appId, name: s.botName, icons: {}, deleted: false, updated: 1_700_000_000, team_id: s.teamId },
  };
  if (m.blocks !== undefined) msg['blocks'] = m.blocks;
  if (m.threadTs !== undefined) {
    msg['thread_ts'] = m.threadTs;
    msg['parent_user_id'] = s.botUserId;
  }
  if (m.edited) msg['edited'] = { user: s.botUserId, ts: nextTs() };
  return msg;
}

type Outcome = { status: number; body: Record<string, unknown>; headers?: Record<string, string> };

function err(error: string, extra: Record<string, unknown> = {}): Outcome {
  return { status: 200, body: { ok: false, error, ...extra } };
}

function validateMessageContent(args: Record<string, unknown>): Outcome | undefined {
  const text = args['text'];
  const blocks = args['blocks'];
  const attachments = args['attachments'];
  if (blocks !== undefined && !Array.isArray(blocks)) return err('invalid_blocks_format');
  if (Array.isArray(blocks) && blocks.some((b) => b === null || typeof b !== 'object' || typeof (b as { type?: unknown }).type !== 'string')) {
    return err('invalid_blocks', { errors: ['must provide an object with a "type" string [json-pointer:/blocks/0]'], response_metadata: { messages: ['[ERROR] invalid block'] } });
  }
  const hasText = typeof text === 'string' && text !== '';
  const hasBlocks = Array.isArray(blocks) && blocks.length > 0;
  const hasAttachments = attachments !== undefined && attachments !== '' && attachments !== '[]';
  if (!hasText && !hasBlocks && !hasAttachments) return err('no_text');
  if (typeof text === 'string' && text.length > 40_000) return err('msg_too_long');
  return undefined;
}

function handleMethod(s: WebApiState, method: string, args: Record<string, unknown>, token: string): Outcome {
  if (method === 'apps.connections.open') {
    if (!token.startsWith('xapp-')) return err('not_allowed_token_type');
    if (s.openSocket === undefined) return err('invalid_auth');
    return { status: 200, body: { ok: true, url: s.openSocket() } };
  }
  if (token.startsWith('xapp-')) return err('not_allowed_token_type');
  switch (method) {
    case 'auth.test':
      return { status: 200, body: { ok: true, url: `https://${s.teamDomain}.slack.com/`, team: s.teamName, user: s.botName, team_id: s.teamId, user_id: s.botUserId, bot_id: s.botId, is_enterprise_install: false } };
    case 'chat.postMessage': {
      const channel = str(args['channel']);
      if (channel === undefined || !s.channels.has(channel)) return err('channel_not_found');
      const bad = validateMessageContent(args);
      if (bad !== undefined) return bad;
      const threadTs = str(args['thread_ts']);
      if (threadTs !== undefined && !/^\d{10}\.\d{6}$/.test(threadTs)) return err('invalid_thread_ts');
      const m: StoredMessage = { channel, ts: nextTs(), text: str(args['text']), blocks: args['blocks'], threadTs, user: s.botUserId, botId: s.botId, edited: false };
      s.messages.push(m);
      const body: Record<string, unknown> = { ok: true, channel, ts: m.ts, message: botMessage(s, m) };
      if (args['text'] === undefined && m.blocks !== undefined) {
        body['warning'] = 'missing_text_or_fallback_or_attachments';
        body['response_metadata'] = { warnings: ['missing_text_or_fallback_or_attachments'] };
      }
      return { status: 200, body };
    }
    case 'chat.update': {
      const channel = str(args['channel']);
      if (channel === undefined || !s.channels.has(channel)) return err('channel_not_found');
      const ts = str(args['ts']);
      const m = s.messages.find((x) => x.channel === channel && x.ts === ts);
      if (m === undefined) return err('message_not_found');
      const bad = validateMessageContent(args);
      if (bad !== undefined) return bad;
      if (args['text'] !== undefined) m.text = str(args['text']);
      if (args['blocks'] !== undefined) m.blocks = args['blocks'];
      m.edited = true;
      return { status: 200, body: { ok: true, channel, ts: m.ts, text: m.text ?? '', message: botMessage(s, m) } };
    }
    case 'conversations.info': {
      const channel = str(args['channel']);
      const c = channel === undefined ? undefined : s.channels.get(channel);
      if (c === undefined) return err('channel_not_found');
      return { status: 200, body: { ok: true, channel: channelObject(s, c) } };
    }
    case 'users.info': {
      const user = str(args['user']);
      const u = user === undefined ? undefined : s.users.get(user);
      if (u === undefined) return err('user_not_found');
      return { status: 200, body: { ok: true, user: userObject(s, u) } };
    }
    default:
      return err('unknown_method', { req_method: method });
  }
}

/** Handles POST /api/<method>. */
export async function handleWebApi(s: WebApiState, method: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const contentType = String(req.headers['content-type'] ?? '');
  const raw = await readBody(req);
  const parsed = parseArgs(contentType, raw);
  const auth = req.headers['authorization'];
  const bearer = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : undefined;
  const token = bearer ?? (parsed !== undefined && !contentType.startsWith('application/json') ? str(parsed['token']) : undefined);
  const args = { ...(parsed ?? {}) };
  delete args['token'];

  let out: Outcome;
  const queue = s.failures.get(method);
  const failure = queue?.[0];
  if (parsed === undefined) {
    out = err('invalid_json');
  } else if (token === undefined) {
    out = err('not_authed');
  } else if (token !== s.botToken && token !== s.appToken) {
    out = err('invalid_auth');
  } else if (failure !== undefined) {
    failure.times -= 1;
    if (failure.times <= 0) queue?.shift();
    out =
      failure.kind === 'ratelimit'
        ? { status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'retry-after': String(failure.retryAfterSec) } }
        : err(failure.error);
  } else {
    out = handleMethod(s, method, args, token);
  }

  s.calls.push({ method, args, contentType, token, headers: req.headers, status: out.status, response: out.body, at: Date.now() });
  const payload = JSON.stringify(out.body);
  res.writeHead(out.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload), ...(out.headers ?? {}) });
  res.end(payload);
}
