// A protocol-faithful fake of Slack on 127.0.0.1 (random port) for tests of a Bolt app:
// - Web API at `apiUrl` (`http://127.0.0.1:P/api/`, give it to Bolt as `clientOptions.slackApiUrl`);
// - Events API: signed deliveries to the bot's HTTP endpoint (`deliver`), with payload builders;
// - Socket Mode: `apps.connections.open` (xapp- token) → ws://127.0.0.1:P/link/?ticket=…, `hello` first,
//   envelopes out with `send`, acks `{envelope_id, payload?}` back.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { WebSocketServer, WebSocket } from 'ws';
import { handleWebApi, type ChannelSeed, type Failure, type RecordedCall, type StoredMessage, type UserSeed, type WebApiState } from './web-api.ts';
import {
  appMentionEvent,
  deliverSigned,
  eventCallback,
  messageEvent,
  urlVerification,
  type DeliverOptions,
  type DeliveryResult,
  type EventCallback,
  type Ids,
  type MentionInput,
  type MessageEventInput,
  type SlackEvent,
  type UrlVerification,
} from './events.ts';

export { signV0, nextTs } from './events.ts';
export type { RecordedCall, StoredMessage, ChannelSeed, UserSeed, DeliverOptions, DeliveryResult, EventCallback, UrlVerification, SlackEvent };

export interface FakeSlackOptions {
  signingSecret?: string;
  botToken?: string;
  /** Socket Mode app-level token; enables apps.connections.open. */
  appToken?: string;
  teamId?: string;
  botUserId?: string;
  botId?: string;
  appId?: string;
  /** Extra channels (a DM `D0FAKEDM01` with `U0FAKEUSR1` and `C0FAKEGEN1` #general always exist). */
  channels?: ChannelSeed[];
  users?: UserSeed[];
}

export interface SocketEnvelopeOptions {
  type?: 'events_api' | 'interactive' | 'slash_commands';
  retryAttempt?: number;
  retryReason?: string;
  acceptsResponsePayload?: boolean;
  /** Give up waiting for the ack after this long (Slack: ~3 s). Default 3000. */
  ackTimeoutMs?: number;
}

export interface SocketAck {
  envelope_id: string;
  payload?: unknown;
  /** ms from sending the envelope to receiving the ack. */
  elapsedMs: number;
}

export interface FakeSlack {
  /** http://127.0.0.1:P */
  readonly url: string;
  /** http://127.0.0.1:P/api/ — Bolt's `clientOptions.slackApiUrl`. */
  readonly apiUrl: string;
  readonly signingSecret: string;
  readonly botToken: string;
  readonly appToken: string;
  readonly ids: Ids & { botId: string };
  /** DM channel with the default user. */
  readonly dmChannel: string;
  /** Public channel #general. */
  readonly generalChannel: string;
  /** Default human user. */
  readonly userId: string;
  /** Every Web API call, in order (including rejected ones). */
  readonly calls: RecordedCall[];
  /** Messages the bot posted (chat.postMessage) and later edited (chat.update). */
  readonly messages: StoredMessage[];
  callsTo(method: string): RecordedCall[];
  /** Wait until `method` has been called `count` times in total (default 1). */
  waitForCall(method: string, count?: number, timeoutMs?: number): Promise<RecordedCall>;
  /**
   * Script the next `times` (default 1) calls to `method`: with `retryAfterSec` → HTTP 429 + Retry-After
   * ({ok:false,error:'ratelimited'}); with `error` → HTTP 200 {ok:false,error}.
   */
  failNext(method: string, f: { retryAfterSec: number; times?: number } | { error: string; times?: number }): void;
  addChannel(c: ChannelSeed): void;
  addUser(u: UserSeed): void;

  // Events API
  urlVerification(challenge?: string): UrlVerification;
  eventCallback(event: SlackEvent, eventId?: string): EventCallback;
  /** event_callback wrapping a `message` event (channel_type 'im' unless given; DM channel/user by default). */
  dm(text: string, m?: Partial<MessageEventInput>): EventCallback;
  message(m: MessageEventInput): EventCallback;
  mention(text: string, m?: Partial<MentionInput>): EventCallback;
  /** Signs (v0) and POSTs a payload to the bot; returns status, body and how long the bot took. */
  deliver(botUrl: string, payload: unknown, opts?: DeliverOptions): Promise<DeliveryResult>;

  // Socket Mode
  /** Open Socket Mode connections. */
  readonly sockets: number;
  waitForSocket(timeoutMs?: number): Promise<void>;
  /** Sends an envelope to the (latest) connected client and resolves with its ack. */
  send(payload: unknown, opts?: SocketEnvelopeOptions): Promise<SocketAck>;
  /** Sends {type:'disconnect', reason} (client reconnects through apps.connections.open). */
  disconnectSockets(reason?: 'refresh_requested' | 'warning' | 'link_disabled'): void;

  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  const teamId = opts.teamId ?? 'T0FAKETEAM';
  const ids: Ids & { botId: string } = {
    teamId,
    appId: opts.appId ?? 'A0FAKEAPP1',
    botUserId: opts.botUserId ?? 'U0FAKEBOT1',
    botId: opts.botId ?? 'B0FAKEBOT1',
    verificationToken: 'fakeVerificationToken0000',
  };
  const userId = 'U0FAKEUSR1';
  const dmChannel = 'D0FAKEDM01';
  const generalChannel = 'C0FAKEGEN1';
  const state: WebApiState = {
    teamId,
    teamName: 'Fake Team',
    teamDomain: 'fake-team',
    botUserId: ids.botUserId,
    botId: ids.botId,
    botName: 'helix',
    appId: ids.appId,
    botToken: opts.botToken ?? 'xoxb-0000000001-0000000002-fakebottoken0000000000',
    appToken: opts.appToken ?? 'xapp-1-A0FAKEAPP1-0000000003-fakeapptoken',
    channels: new Map(),
    users: new Map(),
    calls: [],
    messages: [],
    failures: new Map(),
    openSocket: undefined,
  };
  const signingSecret = opts.signingSecret ?? 'fake-signing-secret-0123456789abcdef';
  for (const c of [{ id: dmChannel, kind: 'im', user: userId } as ChannelSeed, { id: generalChannel, name: 'general', kind: 'channel' } as ChannelSeed, ...(opts.channels ?? [])]) {
    state.channels.set(c.id, c);
  }
  for (const u of [{ id: userId, name: 'alice', realName: 'Alice Example' }, { id: ids.botUserId, name: 'helix', isBot: true }, ...(opts.users ?? [])]) {
    state.users.set(u.id, u);
  }

  const waiters: Array<() => void> = [];
  const notify = (): void => {
    for (const w of waiters.splice(0)) w();
  };

  const tickets = new Set<string>();
  const wss = new WebSocketServer({ noServer: true });
  const clients = new Set<WebSocket>();
  const pendingAcks = new Map<string, (ack: { envelope_id: string; payload?: unknown }) => void>();

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const m = /^\/api\/([A-Za-z0-9_.]+)$/.exec(path);
    if (m !== null && (req.method === 'POST' || req.method === 'GET')) {
      handleWebApi(state, m[1] as string, req, res).then(notify, (e: unknown) => {
        res.writeHead(500).end(String(e));
      });
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req, socket, head) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const ticket = u.searchParams.get('ticket');
    if (u.pathname !== '/link/' || ticket === null || !tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on('close', () => {
        clients.delete(ws);
        notify();
      });
      ws.on('message', (data) => {
        let msg: unknown;
        try {
          msg = JSON.parse(String(data));
        } catch {
          return;
        }
        const id = (msg as { envelope_id?: unknown }).envelope_id;
        if (typeof id === 'string') pendingAcks.get(id)?.(msg as { envelope_id: string; payload?: unknown });
      });
      ws.send(JSON.stringify({ type: 'hello', num_connections: clients.size, debug_info: { host: 'applink-fake-1', build_number: 1, approximate_connection_time: 18060 }, connection_info: { app_id: ids.appId } }));
      notify();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  state.openSocket = () => {
    const t = randomUUID();
    tickets.add(t);
    return `ws://127.0.0.1:${port}/link/?ticket=${t}&app_id=${ids.appId}`;
  };

  const waitUntil = (cond: () => boolean, timeoutMs: number, what: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (cond()) {
          clearTimeout(timer);
          resolve();
        } else waiters.push(check);
      };
      const timer = setTimeout(() => {
        const i = waiters.indexOf(check);
        if (i >= 0) waiters.splice(i, 1);
        reject(new Error(`fake slack: timed out waiting for ${what}`));
      }, timeoutMs);
      check();
    });

  let closing: Promise<void> | undefined;
  const fake: FakeSlack = {
    url,
    apiUrl: `${url}/api/`,
    signingSecret,
    botToken: state.botToken,
    appToken: state.appToken as string,
    ids,
    dmChannel,
    generalChannel,
    userId,
    calls: state.calls,
    messages: state.messages,
    callsTo: (method) => state.calls.filter((c) => c.method === method),
    async waitForCall(method, count = 1, timeoutMs = 5000) {
      await waitUntil(() => fake.callsTo(method).length >= count, timeoutMs, `${count}× ${method}`);
      return fake.callsTo(method)[count - 1] as RecordedCall;
    },
    failNext(method, f) {
      const times = f.times ?? 1;
      const failure: Failure = 'retryAfterSec' in f ? { kind: 'ratelimit', retryAfterSec: f.retryAfterSec, times } : { kind: 'error', error: f.error, times };
      const q = state.failures.get(method) ?? [];
      q.push(failure);
      state.failures.set(method, q);
    },
    addChannel: (c) => void state.channels.set(c.id, c),
    addUser: (u) => void state.users.set(u.id, u),
    urlVerification: (challenge) => urlVerification(ids, challenge),
    eventCallback: (event, eventId) => eventCallback(ids, event, eventId),
    dm: (text, m = {}) => eventCallback(ids, messageEvent(ids, { channel: dmChannel, user: userId, channelType: 'im', ...m, text })),
    message: (m) => eventCallback(ids, messageEvent(ids, m)),
    mention: (text, m = {}) => eventCallback(ids, appMentionEvent(ids, { channel: generalChannel, user: userId, ...m, text })),
    deliver: (botUrl, payload, o) => deliverSigned(signingSecret, botUrl, payload, o),
    get sockets() {
      return clients.size;
    },
    waitForSocket: (timeoutMs = 5000) => waitUntil(() => clients.size > 0, timeoutMs, 'a Socket Mode connection'),
    send(payload, o = {}) {
      const ws = [...clients].at(-1);
      if (ws === undefined) return Promise.reject(new Error('fake slack: no Socket Mode client connected'));
      const envelopeId = randomUUID();
      const type = o.type ?? 'events_api';
      const started = performance.now();
      return new Promise<SocketAck>((resolve, reject) => {
        const timer = setTimeout(() => {
          pendingAcks.delete(envelopeId);
          reject(new Error(`fake slack: no ack for envelope ${envelopeId}`));
        }, o.ackTimeoutMs ?? 3000);
        pendingAcks.set(envelopeId, (ack) => {
          clearTimeout(timer);
          pendingAcks.delete(envelopeId);
          resolve({ ...ack, elapsedMs: performance.now() - started });
        });
        ws.send(
          JSON.stringify({
            envelope_id: envelopeId,
            payload,
            type,
            accepts_response_payload: o.acceptsResponsePayload ?? type !== 'events_api',
            ...(type === 'events_api' ? { retry_attempt: o.retryAttempt ?? 0, retry_reason: o.retryReason ?? '' } : {}),
          }),
        );
      });
    },
    disconnectSockets(reason = 'refresh_requested') {
      for (const ws of clients) ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-fake-1' } }));
    },
    close() {
      closing ??= (async () => {
        for (const ws of clients) ws.terminate();
        wss.close();
        const done = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
        await done;
      })();
      return closing;
    },
    [Symbol.asyncDispose]() {
      return fake.close();
    },
  };
  return fake;
}
