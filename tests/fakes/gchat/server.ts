// A protocol-faithful fake of the parts of Google that a Chat app talks to, on 127.0.0.1:
// - the Chat API (`rootUrl`): POST /v1/spaces/{space}/messages, authenticated with the app's self-signed
//   service-account JWT (RS256, `scope` containing chat.bot), verified with the public key the test made;
//   records messages, honours `requestId` (the same id returns the message already created) and
//   thread/messageReplyOption, and answers 429 (RESOURCE_EXHAUSTED, Google's error JSON) on demand;
// - two certificate endpoints (`{kid: PEM}` with Cache-Control max-age): chat@system.gserviceaccount.com's
//   and Google's OIDC ones, with the keys the fake signs event tokens with (signChatToken / signOidcToken).
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, rs256Valid, rsaKeyPair, signJwt, type RsaKeyPair } from './jwt.ts';

export const CHAT_ISSUER = 'chat@system.gserviceaccount.com';
export const CHAT_BOT_SCOPE = 'https://www.googleapis.com/auth/chat.bot';

export interface RecordedMessage {
  name: string;
  space: string;
  text: string;
  thread: string;
  requestId: string | undefined;
  messageReplyOption: string | undefined;
  /** The service account that created it. */
  createdBy: string;
}

export interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
}

export interface FakeGoogleChatOptions {
  /** Service accounts that may call the API: e-mail → SPKI public key PEM. */
  serviceAccounts: Record<string, string>;
  /** Cache-Control max-age of the certificate endpoints, seconds. @defaultValue `300` */
  certsMaxAgeSec?: number;
}

export interface TokenOptions {
  audience: string;
  /** @defaultValue the form's issuer */
  issuer?: string;
  /** Seconds from now. @defaultValue `3600` */
  expiresInSec?: number;
  /** Seconds from now. @defaultValue `0` */
  issuedAtSec?: number;
  /** Sign with a key Google never published, under Google's kid. @defaultValue `false` */
  forged?: boolean;
}

export interface FakeGoogleChat {
  /** The API root, for `chat({rootUrl})` / `gchat.apiRootUrl`. */
  readonly url: string;
  readonly chatCertsUrl: string;
  readonly oidcCertsUrl: string;
  readonly messages: RecordedMessage[];
  readonly calls: RecordedCall[];
  /** Certificate downloads so far, per endpoint. */
  readonly certFetches: { chat: number; oidc: number };
  /** Threads that exist (seen in a posted message or registered); a reply to another falls back to a new thread. */
  addThread(name: string): void;
  messagesIn(space: string): RecordedMessage[];
  /** The next `n` message creations get `status` with Google's error JSON (and `headers`, e.g. retry-after). */
  failNext(n: number, status: number, headers?: Record<string, string>): void;
  /** A project-number token: iss chat@system.gserviceaccount.com, aud the project number. */
  signChatToken(opts: TokenOptions): string;
  /** An OIDC ID token: iss https://accounts.google.com, aud the endpoint URL, email chat@system.gserviceaccount.com. */
  signOidcToken(opts: TokenOptions & { email?: string; emailVerified?: boolean }): string;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const STATUS_NAMES: Record<number, string> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 409: 'ALREADY_EXISTS', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE' };

/** Google's error JSON. @see https://cloud.google.com/apis/design/errors#http_mapping */
function googleError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
  res.end(JSON.stringify({ error: { code: status, message, status: STATUS_NAMES[status] ?? 'UNKNOWN' } }));
}

export async function startFakeGoogleChat(opts: FakeGoogleChatOptions): Promise<FakeGoogleChat> {
  const chatKey: RsaKeyPair = rsaKeyPair();
  const oidcKey: RsaKeyPair = rsaKeyPair();
  const forger: RsaKeyPair = rsaKeyPair();
  const chatKid = randomBytes(20).toString('hex');
  const oidcKid = randomBytes(20).toString('hex');
  const maxAge = opts.certsMaxAgeSec ?? 300;
  const messages: RecordedMessage[] = [];
  const calls: RecordedCall[] = [];
  const threads = new Set<string>();
  const byRequestId = new Map<string, RecordedMessage>();
  const certFetches = { chat: 0, oidc: 0 };
  const failures: Array<{ status: number; headers: Record<string, string> }> = [];
  let seq = 0;

  const readBody = (req: IncomingMessage) => new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

  /** The caller's service account, or why not (the status and message Google gives). */
  const authenticate = (req: IncomingMessage): { email: string } | { status: number; message: string } => {
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    const unauth = { status: 401, message: 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.' };
    if (!m) return unauth;
    const jwt = decodeJwt(m[1]!);
    const email = typeof jwt?.payload.iss === 'string' ? jwt.payload.iss : '';
    const key = opts.serviceAccounts[email];
    if (!jwt || !key || jwt.payload.sub !== email || !rs256Valid(m[1]!, key)) return unauth;
    const now = Date.now() / 1000;
    if (typeof jwt.payload.exp !== 'number' || jwt.payload.exp < now || typeof jwt.payload.iat !== 'number' || jwt.payload.iat > now + 300) return unauth;
    const scopes = typeof jwt.payload.scope === 'string' ? jwt.payload.scope.split(' ') : [];
    if (!scopes.includes(CHAT_BOT_SCOPE)) return { status: 403, message: 'Request had insufficient authentication scopes.' };
    return { email };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams.entries());
    const record = (status: number) => calls.push({ method: req.method ?? '', path: url.pathname, query, status });
    if (req.method === 'GET' && (url.pathname === '/certs/chat' || url.pathname === '/certs/oidc')) {
      const chat = url.pathname === '/certs/chat';
      certFetches[chat ? 'chat' : 'oidc']++;
      record(200);
      res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8', 'cache-control': `public, max-age=${maxAge}, must-revalidate, no-transform` });
      res.end(JSON.stringify(chat ? { [chatKid]: chatKey.publicKey } : { [oidcKid]: oidcKey.publicKey }));
      return;
    }
    const m = /^\/v1\/(spaces\/[^/]+)\/messages$/.exec(url.pathname);
    if (!m || req.method !== 'POST') {
      record(404);
      googleError(res, 404, `Method not found: ${req.method} ${url.pathname}`);
      return;
    }
    const space = decodeURIComponent(m[1]!);
    const body = await readBody(req);
    const who = authenticate(req);
    if ('status' in who) {
      record(who.status);
      googleError(res, who.status, who.message);
      return;
    }
    const failure = failures.shift();
    if (failure) {
      record(failure.status);
      googleError(res, failure.status, failure.status === 429 ? "Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute per project'." : 'Simulated failure.', failure.headers);
      return;
    }
    let msg: { text?: unknown; thread?: { name?: unknown } };
    try {
      msg = JSON.parse(body) as typeof msg;
    } catch {
      record(400);
      googleError(res, 400, 'Invalid JSON payload received.');
      return;
    }
    if (typeof msg.text !== 'string' || msg.text.length === 0) {
      record(400);
      googleError(res, 400, 'Message cannot be empty. Discarding empty message.');
      return;
    }
    if (msg.text.length > 4_096) {
      record(400);
      googleError(res, 400, 'Message text is too long.');
      return;
    }
    const requestId = query.requestId;
    const reqKey = requestId ? `${space} ${requestId}` : undefined;
    const existing = reqKey ? byRequestId.get(reqKey) : undefined;
    if (existing) {
      record(200);
      res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
      res.end(JSON.stringify(asMessage(existing)));
      return;
    }
    const option = query.messageReplyOption;
    const wanted = typeof msg.thread?.name === 'string' ? msg.thread.name : undefined;
    if (wanted && !wanted.startsWith(`${space}/threads/`)) {
      record(400);
      googleError(res, 400, 'Invalid thread name: the thread is not in the space.');
      return;
    }
    let thread: string;
    const replying = option === 'REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD' || option === 'REPLY_MESSAGE_OR_FAIL';
    if (replying && wanted && threads.has(wanted)) thread = wanted;
    else if (option === 'REPLY_MESSAGE_OR_FAIL') {
      record(404);
      googleError(res, 404, 'Thread not found.');
      return;
    } else thread = `${space}/threads/t${++seq}`;
    threads.add(thread);
    const recorded: RecordedMessage = { name: `${space}/messages/m${++seq}.m${seq}`, space, text: msg.text, thread, requestId, messageReplyOption: option, createdBy: who.email };
    messages.push(recorded);
    if (reqKey) byRequestId.set(reqKey, recorded);
    record(200);
    res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
    res.end(JSON.stringify(asMessage(recorded)));
  };

  const asMessage = (m: RecordedMessage) => ({
    name: m.name,
    sender: { name: 'users/app', type: 'BOT' },
    createTime: new Date().toISOString(),
    text: m.text,
    thread: { name: m.thread },
    space: { name: m.space },
  });

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) googleError(res, 500, err.message);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const sign = (key: RsaKeyPair, kid: string, claims: Record<string, unknown>, o: TokenOptions) => {
    const now = Math.floor(Date.now() / 1000) + (o.issuedAtSec ?? 0);
    return signJwt({ kid }, { ...claims, aud: o.audience, iat: now, exp: now + (o.expiresInSec ?? 3600) }, o.forged ? forger.privateKey : key.privateKey);
  };

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };
  return {
    url: `${base}/`,
    chatCertsUrl: `${base}/certs/chat`,
    oidcCertsUrl: `${base}/certs/oidc`,
    messages,
    calls,
    certFetches,
    addThread: (name) => void threads.add(name),
    messagesIn: (space) => messages.filter((m) => m.space === space),
    failNext(n, status, headers = {}) {
      for (let i = 0; i < n; i++) failures.push({ status, headers });
    },
    signChatToken: (o) => sign(chatKey, chatKid, { iss: o.issuer ?? CHAT_ISSUER }, o),
    signOidcToken: (o) => sign(oidcKey, oidcKid, {
      iss: o.issuer ?? 'https://accounts.google.com',
      email: o.email ?? CHAT_ISSUER,
      email_verified: o.emailVerified ?? true,
      sub: '113113113113113113113',
      azp: '113113113113113113113',
    }, o),
    close,
    [Symbol.asyncDispose]: close,
  };
}
