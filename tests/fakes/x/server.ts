// A fake X API v2 on 127.0.0.1 speaking the real wire format, for twitter-api-v2 pointed at it: OAuth 1.0a
// signatures verified (HMAC-SHA1, RFC 5849), the mentions timeline (since_id, pagination_token/next_token,
// max_results 5..100, fields as requested), GET /2/users/me, POST /2/tweets (201; the 280 weighted-character
// limit enforced), DM events and DM sends, x-rate-limit-* headers on every answer and 429 on demand.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseAuthorization, signatureValid } from './oauth1.ts';
import { xWeightedLength } from './weighted-length.ts';

export interface FakeXOptions {
  appKey: string;
  appSecret: string;
  accessToken: string;
  accessSecret: string;
  /** The account the access token belongs to. */
  me?: { id?: string; username?: string; name?: string };
  /** Status X gives a post over 280 weighted characters. @defaultValue `403` */
  tooLongStatus?: 400 | 403;
}

export interface FakeUser { id: string; username: string; name: string }

export interface FakePost {
  id: string;
  text: string;
  author_id: string;
  conversation_id: string;
  created_at: string;
  in_reply_to_tweet_id?: string;
  /** User ids mentioned (from @handles of known users). */
  mentions: string[];
}

export interface FakeDmEvent {
  id: string;
  event_type: 'MessageCreate';
  text: string;
  sender_id: string;
  dm_conversation_id: string;
  created_at: string;
}

export interface RecordedRequest {
  method: string;
  /** Endpoint key, e.g. `GET /2/users/:id/mentions`. */
  endpoint: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
  at: number;
}

export type Endpoint =
  | 'GET /2/users/me'
  | 'GET /2/users/:id/mentions'
  | 'POST /2/tweets'
  | 'GET /2/dm_events'
  | 'POST /2/dm_conversations/with/:participant_id/messages';

interface RateWindow { limit: number; remaining: number; reset: number }

const WINDOW_SEC = 15 * 60;
const INVALID = 'https://api.twitter.com/2/problems/invalid-request';

export async function startFakeX(opts: FakeXOptions) {
  let seq = 1_800_000_000_000_000_000n;
  const nextId = () => String(++seq);
  const me: FakeUser = { id: opts.me?.id ?? '1700000000000000001', username: opts.me?.username ?? 'helix', name: opts.me?.name ?? 'Helix' };
  const users = new Map<string, FakeUser>([[me.id, me]]);
  const posts: FakePost[] = [];
  /** Raw (possibly malformed) objects put in the mentions timeline as-is, with the id they sort by. */
  const rawMentions: Array<{ sortId: bigint; raw: unknown }> = [];
  const posted: Array<FakePost & { weightedLength: number }> = [];
  const dmEvents: FakeDmEvent[] = [];
  const dmsSent: Array<FakeDmEvent & { participantId: string }> = [];
  const requests: RecordedRequest[] = [];
  const rates = new Map<string, RateWindow>();
  const faults: Array<{ endpoint: Endpoint; status: number; times: number; resetInSec: number }> = [];
  const nonces = new Set<string>();

  const userByName = (name: string) => [...users.values()].find((u) => u.username.toLowerCase() === name.toLowerCase());
  const mentionsIn = (text: string) => [...text.matchAll(/@(\w{1,15})/g)].map((m) => userByName(m[1]!)?.id).filter((x): x is string => Boolean(x));

  function rateOf(endpoint: string, now: number): RateWindow {
    let w = rates.get(endpoint);
    if (!w || w.reset * 1000 <= now) {
      w = { limit: w?.limit ?? 10_000, remaining: w?.limit ?? 10_000, reset: Math.floor(now / 1000) + WINDOW_SEC };
      rates.set(endpoint, w);
    }
    return w;
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      handle(req, res, raw).catch((err: unknown) => {
        if (!res.headersSent) json(res, 500, { title: 'Internal Server Error', detail: String(err), type: 'about:blank', status: 500 });
      });
    });
  });

  function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  }

  function routeOf(method: string, path: string): { endpoint: Endpoint; params: Record<string, string> } | undefined {
    let m: RegExpMatchArray | null;
    if (method === 'GET' && path === '/2/users/me') return { endpoint: 'GET /2/users/me', params: {} };
    if (method === 'GET' && (m = path.match(/^\/2\/users\/([^/]+)\/mentions$/))) return { endpoint: 'GET /2/users/:id/mentions', params: { id: decodeURIComponent(m[1]!) } };
    if (method === 'POST' && path === '/2/tweets') return { endpoint: 'POST /2/tweets', params: {} };
    if (method === 'GET' && path === '/2/dm_events') return { endpoint: 'GET /2/dm_events', params: {} };
    if (method === 'POST' && (m = path.match(/^\/2\/dm_conversations\/with\/([^/]+)\/messages$/))) return { endpoint: 'POST /2/dm_conversations/with/:participant_id/messages', params: { participant_id: decodeURIComponent(m[1]!) } };
    return undefined;
  }

  function parseQuery(search: string): Array<[string, string]> {
    if (!search) return [];
    return search.split('&').filter(Boolean).map((pair) => {
      const i = pair.indexOf('=');
      const dec = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
      return i < 0 ? [dec(pair), ''] : [dec(pair.slice(0, i)), dec(pair.slice(i + 1))];
    });
  }

  function authorized(req: IncomingMessage, path: string, query: Array<[string, string]>, raw: string): boolean {
    const oauth = parseAuthorization(req.headers.authorization);
    if (!oauth) return false;
    if (oauth.oauth_consumer_key !== opts.appKey || oauth.oauth_token !== opts.accessToken || oauth.oauth_signature_method !== 'HMAC-SHA1') return false;
    if (oauth.oauth_version !== undefined && oauth.oauth_version !== '1.0') return false;
    const ts = Number(oauth.oauth_timestamp);
    if (!Number.isFinite(ts) || Math.abs(ts - Date.now() / 1000) > 300) return false;
    const nonce = oauth.oauth_nonce;
    if (!nonce || nonces.has(`${ts}:${nonce}`)) return false;
    const form = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded') ? parseQuery(raw) : [];
    const ok = signatureValid({
      method: req.method ?? 'GET',
      baseUri: `http://${(req.headers.host ?? '').toLowerCase()}${path}`,
      params: [...query, ...form],
      oauth,
      consumerSecret: opts.appSecret,
      tokenSecret: opts.accessSecret,
    });
    if (ok) nonces.add(`${ts}:${nonce}`);
    return ok;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, raw: string) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const queryPairs = parseQuery(url.search.slice(1));
    const query = Object.fromEntries(queryPairs);
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const route = routeOf(method, url.pathname);
    const record = (endpoint: string, status: number) => requests.push({ method, endpoint, path: url.pathname, query, body, status, at: Date.now() });
    if (!route) {
      record(`${method} ${url.pathname}`, 404);
      return json(res, 404, { errors: [{ message: 'Sorry, that page does not exist', code: 34 }] });
    }
    const { endpoint, params } = route;
    if (!authorized(req, url.pathname, queryPairs, raw)) {
      record(endpoint, 401);
      return json(res, 401, { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' });
    }
    const now = Date.now();
    const w = rateOf(endpoint, now);
    const fault = faults.find((f) => f.endpoint === endpoint);
    if (fault) {
      fault.times--;
      if (fault.times <= 0) faults.splice(faults.indexOf(fault), 1);
      if (fault.status === 429) {
        w.remaining = 0;
        w.reset = Math.floor(now / 1000) + fault.resetInSec;
      } else {
        record(endpoint, fault.status);
        return json(res, fault.status, { title: 'Service Unavailable', detail: 'Service Unavailable', type: 'about:blank', status: fault.status });
      }
    }
    if (w.remaining <= 0) {
      record(endpoint, 429);
      return json(res, 429, { title: 'Too Many Requests', detail: 'Too Many Requests', type: 'about:blank', status: 429 }, rateHeaders(w));
    }
    w.remaining--;
    const reply = (status: number, payload: unknown) => {
      record(endpoint, status);
      json(res, status, payload, rateHeaders(w));
    };
    const invalid = (message: string, parameter: string, value: unknown) =>
      reply(400, { errors: [{ parameters: { [parameter]: [String(value)] }, message }], title: 'Invalid Request', detail: 'One or more parameters to your request was invalid.', type: INVALID });

    switch (endpoint) {
      case 'GET /2/users/me':
        return reply(200, { data: pick(me, ['id', 'name', 'username'], query['user.fields']) });
      case 'GET /2/users/:id/mentions': {
        const max = query.max_results === undefined ? 10 : Number(query.max_results);
        if (!Number.isInteger(max) || max < 5 || max > 100) return invalid(`The \`max_results\` query parameter value [${query.max_results}] is not between 5 and 100`, 'max_results', query.max_results);
        for (const k of ['since_id', 'until_id'] as const) {
          if (query[k] !== undefined && !/^\d{1,19}$/.test(query[k]!)) return invalid(`The \`${k}\` query parameter value [${query[k]}] is not valid`, k, query[k]);
        }
        const since = query.since_id !== undefined ? BigInt(query.since_id) : undefined;
        let before: bigint | undefined;
        if (query.pagination_token !== undefined) {
          const decoded = Buffer.from(query.pagination_token, 'base64url').toString('utf8');
          if (!/^before:\d+$/.test(decoded)) return invalid(`The \`pagination_token\` query parameter value [${query.pagination_token}] is not valid`, 'pagination_token', query.pagination_token);
          before = BigInt(decoded.slice('before:'.length));
        }
        const entries = [
          ...posts.filter((p) => p.mentions.includes(params.id!) && p.author_id !== params.id).map((p) => ({ sortId: BigInt(p.id), obj: renderPost(p, query) })),
          ...rawMentions.map((r) => ({ sortId: r.sortId, obj: r.raw })),
        ]
          .filter((e) => (since === undefined || e.sortId > since) && (before === undefined || e.sortId < before))
          .sort((a, b) => (a.sortId < b.sortId ? 1 : a.sortId > b.sortId ? -1 : 0));
        const page = entries.slice(0, max);
        if (page.length === 0) return reply(200, { meta: { result_count: 0 } });
        const meta: Record<string, unknown> = { result_count: page.length, newest_id: String(page[0]!.sortId), oldest_id: String(page.at(-1)!.sortId) };
        if (entries.length > max) meta.next_token = Buffer.from(`before:${page.at(-1)!.sortId}`).toString('base64url');
        const out: Record<string, unknown> = { data: page.map((e) => e.obj) };
        if ((query.expansions ?? '').split(',').includes('author_id')) {
          const ids = [...new Set(page.map((e) => (e.obj as { author_id?: unknown }).author_id).filter((x): x is string => typeof x === 'string'))];
          out.includes = { users: ids.map((id) => users.get(id)).filter(Boolean).map((u) => pick(u!, ['id', 'name', 'username'], query['user.fields'])) };
        }
        out.meta = meta;
        return reply(200, out);
      }
      case 'POST /2/tweets': {
        if (!(req.headers['content-type'] ?? '').startsWith('application/json') || typeof body !== 'object' || body === null) return invalid('The request body must be JSON.', 'body', raw.slice(0, 40));
        const b = body as { text?: unknown; reply?: { in_reply_to_tweet_id?: unknown } };
        if (typeof b.text !== 'string' || b.text.length === 0) return invalid('The `text` field is required.', 'text', b.text);
        const weight = xWeightedLength(b.text);
        if (weight > 280) {
          const status = opts.tooLongStatus ?? 403;
          return reply(status, status === 403
            ? { detail: 'You are not permitted to perform this action.', type: 'about:blank', title: 'Forbidden', status: 403, reason: 'text too long' }
            : { errors: [{ message: 'Your Tweet text is too long.' }], title: 'Invalid Request', detail: 'One or more parameters to your request was invalid.', type: INVALID });
        }
        const parentId = b.reply?.in_reply_to_tweet_id;
        let parent: FakePost | undefined;
        if (parentId !== undefined) {
          parent = posts.find((p) => p.id === parentId);
          if (!parent) return reply(403, { detail: 'You attempted to reply to a Tweet that is deleted or not visible to you.', type: 'about:blank', title: 'Forbidden', status: 403 });
        }
        const id = nextId();
        const post: FakePost = { id, text: b.text, author_id: me.id, conversation_id: parent?.conversation_id ?? id, created_at: new Date().toISOString(), ...(parent ? { in_reply_to_tweet_id: parent.id } : {}), mentions: mentionsIn(b.text) };
        posts.push(post);
        posted.push({ ...post, weightedLength: weight });
        return reply(201, { data: { id, text: b.text, edit_history_tweet_ids: [id] } });
      }
      case 'GET /2/dm_events': {
        const max = query.max_results === undefined ? 100 : Number(query.max_results);
        if (!Number.isInteger(max) || max < 1 || max > 100) return invalid(`The \`max_results\` query parameter value [${query.max_results}] is not between 1 and 100`, 'max_results', query.max_results);
        let before: bigint | undefined;
        if (query.pagination_token !== undefined) {
          const decoded = Buffer.from(query.pagination_token, 'base64url').toString('utf8');
          if (!/^before:\d+$/.test(decoded)) return invalid('The `pagination_token` query parameter value is not valid', 'pagination_token', query.pagination_token);
          before = BigInt(decoded.slice('before:'.length));
        }
        const all = dmEvents.filter((e) => before === undefined || BigInt(e.id) < before).sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? 1 : -1));
        const page = all.slice(0, max);
        const fields = new Set(['id', 'event_type', 'text', ...(query['dm_event.fields'] ?? '').split(',').filter(Boolean)]);
        const out: Record<string, unknown> = { data: page.map((e) => Object.fromEntries(Object.entries(e).filter(([k]) => fields.has(k)))) };
        if ((query.expansions ?? '').split(',').includes('sender_id')) {
          out.includes = { users: [...new Set(page.map((e) => e.sender_id))].map((id) => users.get(id)).filter(Boolean).map((u) => pick(u!, ['id', 'name', 'username'], query['user.fields'])) };
        }
        out.meta = { result_count: page.length, ...(all.length > max ? { next_token: Buffer.from(`before:${page.at(-1)!.id}`).toString('base64url') } : {}) };
        if (page.length === 0) delete out.data;
        return reply(200, out);
      }
      case 'POST /2/dm_conversations/with/:participant_id/messages': {
        const b = (typeof body === 'object' && body !== null ? body : {}) as { text?: unknown };
        const participant = params.participant_id!;
        if (!users.has(participant)) return invalid(`The \`participant_id\` path parameter value [${participant}] is not valid`, 'participant_id', participant);
        if (typeof b.text !== 'string' || b.text.length === 0) return invalid('The `text` field is required.', 'text', b.text);
        if (b.text.length > 10_000) return invalid('The `text` field is longer than 10000 characters.', 'text', b.text.length);
        const ev: FakeDmEvent = { id: nextId(), event_type: 'MessageCreate', text: b.text, sender_id: me.id, dm_conversation_id: conversationIdOf(me.id, participant), created_at: new Date().toISOString() };
        dmEvents.push(ev);
        dmsSent.push({ ...ev, participantId: participant });
        return reply(201, { data: { dm_conversation_id: ev.dm_conversation_id, dm_event_id: ev.id } });
      }
    }
  }

  /** A post as v2 renders it: id, text, edit_history_tweet_ids, plus the `tweet.fields` asked for. */
  function renderPost(p: FakePost, query: Record<string, string>): Record<string, unknown> {
    const fields = new Set((query['tweet.fields'] ?? '').split(',').filter(Boolean));
    const out: Record<string, unknown> = { id: p.id, text: p.text, edit_history_tweet_ids: [p.id] };
    if (fields.has('author_id')) out.author_id = p.author_id;
    if (fields.has('conversation_id')) out.conversation_id = p.conversation_id;
    if (fields.has('created_at')) out.created_at = p.created_at;
    if (fields.has('referenced_tweets') && p.in_reply_to_tweet_id) out.referenced_tweets = [{ type: 'replied_to', id: p.in_reply_to_tweet_id }];
    return out;
  }

  function rateHeaders(w: RateWindow): Record<string, string> {
    return { 'x-rate-limit-limit': String(w.limit), 'x-rate-limit-remaining': String(Math.max(0, w.remaining)), 'x-rate-limit-reset': String(w.reset) };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    baseUrl,
    me,
    /** Every post the account made through the API (POST /2/tweets), in order. */
    posted,
    dmsSent,
    requests,
    posts,
    addUser(username: string, name = username): FakeUser {
      const existing = userByName(username);
      if (existing) return existing;
      const u = { id: nextId(), username, name };
      users.set(u.id, u);
      return u;
    },
    /** A post by `from` (a username, created if new); mentions are the @handles of known users (the account's included). */
    mention(from: string, text: string, opts: { inReplyTo?: string } = {}): FakePost {
      const author = this.addUser(from);
      const parent = opts.inReplyTo ? posts.find((p) => p.id === opts.inReplyTo) : undefined;
      const id = nextId();
      const post: FakePost = { id, text, author_id: author.id, conversation_id: parent?.conversation_id ?? id, created_at: new Date().toISOString(), ...(parent ? { in_reply_to_tweet_id: parent.id } : {}), mentions: mentionsIn(text) };
      posts.push(post);
      return post;
    },
    /** Puts `raw` in the account's mentions timeline exactly as given (a malformed object X might send). Returns its sort id. */
    addRawMention(raw: unknown): string {
      const sortId = BigInt(nextId());
      rawMentions.push({ sortId, raw });
      return String(sortId);
    },
    /** A DM from `from` to the account. */
    dm(from: string, text: string): FakeDmEvent {
      const sender = this.addUser(from);
      const ev: FakeDmEvent = { id: nextId(), event_type: 'MessageCreate', text, sender_id: sender.id, dm_conversation_id: conversationIdOf(sender.id, me.id), created_at: new Date().toISOString() };
      dmEvents.push(ev);
      return ev;
    },
    /** Sets an endpoint's window (the next answers carry these x-rate-limit-* values; 0 remaining means 429 until reset). */
    setRateLimit(endpoint: Endpoint, w: { limit: number; remaining: number; resetInSec: number }) {
      rates.set(endpoint, { limit: w.limit, remaining: w.remaining, reset: Math.floor(Date.now() / 1000) + w.resetInSec });
    },
    /** The next `times` requests to `endpoint` fail with `status` (429: the window is spent until `resetInSec` from then). */
    failNext(endpoint: Endpoint, status: number, opts: { times?: number; resetInSec?: number } = {}) {
      faults.push({ endpoint, status, times: opts.times ?? 1, resetInSec: opts.resetInSec ?? 2 });
    },
    requestsTo(endpoint: Endpoint): RecordedRequest[] {
      return requests.filter((r) => r.endpoint === endpoint);
    },
    /** The v1.1 post object an Account Activity `tweet_create_events` delivery carries for a post. */
    tweetCreateEvent(p: FakePost): Record<string, unknown> {
      const u = users.get(p.author_id)!;
      return {
        created_at: new Date(p.created_at).toUTCString(), id: Number(p.id), id_str: p.id, text: p.text, truncated: false,
        in_reply_to_status_id_str: p.in_reply_to_tweet_id ?? null, in_reply_to_user_id_str: p.in_reply_to_tweet_id ? (posts.find((x) => x.id === p.in_reply_to_tweet_id)?.author_id ?? null) : null,
        user: { id: Number(u.id), id_str: u.id, name: u.name, screen_name: u.username },
        entities: { hashtags: [], urls: [], user_mentions: p.mentions.map((id) => ({ id: Number(id), id_str: id, screen_name: users.get(id)?.username ?? '' })) },
      };
    },
    /** POSTs an Account Activity delivery to `url`, signed with `secret` (or forged). */
    async deliverWebhook(url: string, payload: unknown, o: { secret: string; forge?: 'wrong-secret' | 'tampered-body' | 'missing' }) {
      const raw = JSON.stringify(payload);
      const sig = `sha256=${createHmac('sha256', o.forge === 'wrong-secret' ? `${o.secret}-wrong` : o.secret).update(raw).digest('base64')}`;
      const sent = o.forge === 'tampered-body' ? raw.replace(/}$/, ',"x":1}') : raw;
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(o.forge === 'missing' ? {} : { 'x-twitter-webhooks-signature': sig }) }, body: sent });
      return { status: res.status, body: await res.text() };
    },
    /** Sends X's CRC challenge to `url`; resolves with whether the answer is right for `secret`. */
    async crc(url: string, secret: string, token = Buffer.from(`crc-${Date.now()}`).toString('base64')) {
      const res = await fetch(`${url}?crc_token=${encodeURIComponent(token)}`);
      const body = (await res.json().catch(() => ({}))) as { response_token?: unknown };
      const expected = `sha256=${createHmac('sha256', secret).update(token).digest('base64')}`;
      return { status: res.status, ok: res.status === 200 && body.response_token === expected };
    },
    close(): Promise<void> {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

export type FakeX = Awaited<ReturnType<typeof startFakeX>>;

/** X's 1:1 DM conversation id: the two user ids, smaller first. */
export function conversationIdOf(a: string, b: string): string {
  return BigInt(a) < BigInt(b) ? `${a}-${b}` : `${b}-${a}`;
}

function pick(u: FakeUser, always: Array<keyof FakeUser>, fields: string | undefined): Record<string, string> {
  const keys = new Set<string>([...always, ...(fields ?? '').split(',').filter(Boolean)]);
  return Object.fromEntries(Object.entries(u).filter(([k]) => keys.has(k)));
}
