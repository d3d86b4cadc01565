// The gateway WebSocket: HELLO, IDENTIFY/READY/GUILD_CREATE, heartbeats, sequence numbers, sessions
// that outlive their socket (events sent while disconnected are replayed on RESUME), and the
// levers a test pulls: op 7 reconnect, op 9 invalid session, close codes, zombie links, replays.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { constants as zc, createDeflate, deflateSync, type Deflate } from 'node:zlib';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import type { ConnectionRecord, Recorder } from './recorder.ts';
import { shardForGuild } from './snowflake.ts';
import type { Json, World } from './state.ts';

export const Op = { Dispatch: 0, Heartbeat: 1, Identify: 2, PresenceUpdate: 3, VoiceStateUpdate: 4, Resume: 6, Reconnect: 7, RequestGuildMembers: 8, InvalidSession: 9, Hello: 10, HeartbeatAck: 11, RequestSoundboardSounds: 31 } as const;

export const Intent = {
  Guilds: 1 << 0,
  GuildMembers: 1 << 1,
  GuildModeration: 1 << 2,
  GuildVoiceStates: 1 << 7,
  GuildPresences: 1 << 8,
  GuildMessages: 1 << 9,
  GuildMessageReactions: 1 << 10,
  GuildMessageTyping: 1 << 11,
  DirectMessages: 1 << 12,
  DirectMessageReactions: 1 << 13,
  DirectMessageTyping: 1 << 14,
  MessageContent: 1 << 15,
} as const;

const PRIVILEGED = Intent.GuildMembers | Intent.GuildPresences | Intent.MessageContent;
const KNOWN_INTENTS = (1 << 26) - 1;

/** Close codes after which Discord forgets the session (a RESUME then gets op 9). */
const SESSION_ENDING_CODES = new Set([4004, 4007, 4009, 4010, 4011, 4012, 4013, 4014]);

export interface GatewayOptions {
  heartbeatIntervalMs: number;
  /** Privileged intents the app is allowed (Developer Portal switches). Default: all three. */
  allowedPrivilegedIntents: number;
}

interface Session {
  id: string;
  shard: [number, number];
  intents: number;
  seq: number;
  buffer: Array<{ s: number; t: string; d: unknown }>;
  conn: Conn | null;
  invalid: boolean;
}

interface Conn {
  id: number;
  ws: WebSocket;
  path: string;
  query: Record<string, string>;
  session: Session | null;
  identified: boolean;
  /** Dead link: no acks, nothing delivered (the client should notice and resume). */
  zombie: boolean;
  closingByServer: boolean;
  zlibStream: Deflate | null;
  payloadCompress: boolean;
  sendChain: Promise<void>;
}

export interface DispatchOptions {
  /** Route to the shard owning this guild and apply guild intents. */
  guildId?: string;
  /** Intent bit the receiving session must have (0 = none needed). */
  intent?: number;
  /** Per-session rewrite (e.g. strip message content); return null to skip that session. */
  transform?: (d: unknown, intents: number) => unknown;
  /** Only this session. */
  sessionId?: string;
}

export class Gateway {
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly sessions = new Map<string, Session>();
  private readonly conns = new Set<Conn>();
  private readonly opHooks = new Map<number, Array<(d: unknown, ctx: { sessionId: string | null; reply: (t: string, d: unknown) => void }) => void>>();
  private nextConnId = 1;
  private closed = false;
  ackHeartbeats = true;
  sessionStartRemaining = 1000;
  readonly opts: GatewayOptions;
  private readonly world: World;
  private readonly rec: Recorder;
  private readonly urls: { gateway: () => string; resume: () => string };

  constructor(world: World, rec: Recorder, opts: GatewayOptions, urls: { gateway: () => string; resume: () => string }) {
    this.world = world;
    this.rec = rec;
    this.opts = opts;
    this.urls = urls;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, req));
  }

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    const conn: Conn = { id: this.nextConnId++, ws, path: url.pathname, query, session: null, identified: false, zombie: false, closingByServer: false, zlibStream: null, payloadCompress: false, sendChain: Promise.resolve() };
    this.conns.add(conn);
    const record: ConnectionRecord = { id: conn.id, path: url.pathname, query, openedAt: Date.now() };
    this.rec.add('connections', record);
    ws.on('error', () => {});
    ws.on('close', (code) => {
      this.conns.delete(conn);
      conn.zlibStream?.close();
      Object.assign(record, { closedAt: Date.now(), closeCode: code, closedBy: conn.closingByServer ? 'server' : 'client' });
      if (conn.session?.conn === conn) {
        conn.session.conn = null;
        // A client closing with 1000/1001 ends its session on Discord (it cannot be resumed).
        if (!conn.closingByServer && (code === 1000 || code === 1001)) conn.session.invalid = true;
      }
    });

    if (query.v !== undefined && query.v !== '10' && query.v !== '9') return this.closeConn(conn, 4012, 'Invalid API version');
    if (query.encoding !== undefined && query.encoding !== 'json') return this.closeConn(conn, 4002, 'The fake speaks encoding=json only');
    if (query.compress === 'zlib-stream') conn.zlibStream = createDeflate({ chunkSize: 65535 });

    ws.on('message', (data, isBinary) => this.onMessage(conn, data, isBinary));
    this.send(conn, { op: Op.Hello, d: { heartbeat_interval: this.opts.heartbeatIntervalMs, _trace: ['["fake-gateway",{"micros":0}]'] }, s: null, t: null });
  }

  private onMessage(conn: Conn, data: RawData, _isBinary: boolean): void {
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
    let payload: { op?: unknown; d?: unknown };
    try {
      payload = JSON.parse(text) as { op?: unknown; d?: unknown };
    } catch {
      return this.closeConn(conn, 4002, 'Error while decoding payload.');
    }
    if (payload === null || typeof payload !== 'object' || typeof payload.op !== 'number') return this.closeConn(conn, 4002, 'Error while decoding payload.');
    const op = payload.op;
    const d = payload.d;
    this.rec.add('gatewayOps', { connectionId: conn.id, op, d: op === Op.Identify || op === Op.Resume ? redactToken(d) : d, at: Date.now() });

    switch (op) {
      case Op.Heartbeat:
        if (this.ackHeartbeats && !conn.zombie) this.send(conn, { op: Op.HeartbeatAck, d: null, s: null, t: null });
        return;
      case Op.Identify:
        return this.onIdentify(conn, (d ?? {}) as Json);
      case Op.Resume:
        return this.onResume(conn, (d ?? {}) as Json);
      case Op.PresenceUpdate:
      case Op.VoiceStateUpdate:
      case Op.RequestGuildMembers:
      case Op.RequestSoundboardSounds: {
        if (!conn.identified) return this.closeConn(conn, 4003, 'Not authenticated.');
        if (op === Op.RequestGuildMembers) this.onRequestGuildMembers(conn, (d ?? {}) as Json);
        for (const hook of this.opHooks.get(op) ?? []) {
          hook(d, { sessionId: conn.session?.id ?? null, reply: (t, rd) => conn.session && this.dispatch(t, rd, { sessionId: conn.session.id }) });
        }
        return;
      }
      default:
        return this.closeConn(conn, 4001, 'Unknown opcode.');
    }
  }

  private onIdentify(conn: Conn, d: Json): void {
    if (conn.identified) return this.closeConn(conn, 4005, 'Already authenticated.');
    const tokenValid = typeof d.token === 'string' && d.token.replace(/^Bot\s+/i, '') === this.world.token;
    const intents = d.intents;
    const shard = Array.isArray(d.shard) && d.shard.length === 2 ? ([Number(d.shard[0]), Number(d.shard[1])] as [number, number]) : null;
    const record = {
      connectionId: conn.id,
      sessionId: null as string | null,
      intents: typeof intents === 'number' ? intents : NaN,
      shard,
      properties: (d.properties ?? {}) as Json,
      compress: d.compress,
      largeThreshold: d.large_threshold,
      presence: d.presence,
      tokenValid,
      at: Date.now(),
    };
    this.rec.add('identifies', record);
    if (!tokenValid) return this.closeConn(conn, 4004, 'Authentication failed.');
    if (typeof intents !== 'number' || !Number.isInteger(intents) || intents < 0 || (intents & ~KNOWN_INTENTS) !== 0) return this.closeConn(conn, 4013, 'Invalid intent(s).');
    if ((intents & PRIVILEGED & ~this.opts.allowedPrivilegedIntents) !== 0) return this.closeConn(conn, 4014, 'Disallowed intent(s).');
    const [shardId, shardCount] = shard ?? [0, 1];
    if (!(shardCount >= 1 && shardId >= 0 && shardId < shardCount)) return this.closeConn(conn, 4010, 'Invalid shard.');

    this.sessionStartRemaining = Math.max(0, this.sessionStartRemaining - 1);
    const session: Session = { id: randomHex(16), shard: [shardId, shardCount], intents, seq: 0, buffer: [], conn, invalid: false };
    this.sessions.set(session.id, session);
    record.sessionId = session.id;
    conn.session = session;
    conn.identified = true;
    conn.payloadCompress = d.compress === true;

    const guilds = [...this.world.guilds.values()].filter((g) => shardForGuild(g.id, shardCount) === shardId);
    this.dispatch(
      'READY',
      {
        v: 10,
        user_settings: {},
        user: this.world.userObject(this.world.botUserId),
        session_type: 'normal',
        session_id: session.id,
        resume_gateway_url: this.urls.resume(),
        relationships: [],
        private_channels: [],
        presences: [],
        guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
        guild_join_requests: [],
        geo_ordered_rtc_regions: ['fake-local'],
        auth: {},
        application: { id: this.world.applicationId, flags: 0 },
        shard: [shardId, shardCount],
        _trace: ['["fake-gateway",{"micros":0}]'],
      },
      { sessionId: session.id },
    );
    for (const g of guilds) {
      // Without GUILD_PRESENCES Discord lists only the bot (and users in voice) in GUILD_CREATE's members.
      this.dispatch('GUILD_CREATE', this.world.guildCreateObject(g.id, (intents & Intent.GuildPresences) !== 0), { sessionId: session.id, intent: Intent.Guilds });
    }
  }

  private onResume(conn: Conn, d: Json): void {
    const sessionId = String(d.session_id ?? '');
    const seq = typeof d.seq === 'number' ? d.seq : null;
    const base = { connectionId: conn.id, sessionId, seq, path: conn.path, at: Date.now(), replayed: 0 };
    if (typeof d.token !== 'string' || d.token.replace(/^Bot\s+/i, '') !== this.world.token) {
      this.rec.add('resumes', { ...base, outcome: 'bad-token' });
      return this.closeConn(conn, 4004, 'Authentication failed.');
    }
    const session = this.sessions.get(sessionId);
    if (!session || session.invalid) {
      this.rec.add('resumes', { ...base, outcome: 'invalid-session' });
      this.send(conn, { op: Op.InvalidSession, d: false, s: null, t: null });
      return;
    }
    if (seq !== null && seq > session.seq) {
      this.rec.add('resumes', { ...base, outcome: 'invalid-seq' });
      return this.closeConn(conn, 4007, 'Invalid seq.');
    }
    const old = session.conn;
    if (old && old !== conn) {
      old.closingByServer = true;
      old.ws.terminate();
    }
    session.conn = conn;
    conn.session = session;
    conn.identified = true;
    const missed = session.buffer.filter((e) => e.s > (seq ?? 0));
    for (const e of missed) this.send(conn, { op: Op.Dispatch, t: e.t, s: e.s, d: e.d });
    this.rec.add('resumes', { ...base, outcome: 'resumed', replayed: missed.length });
    this.dispatch('RESUMED', { _trace: ['["fake-gateway",{"micros":0}]'] }, { sessionId: session.id });
  }

  private onRequestGuildMembers(conn: Conn, d: Json): void {
    const session = conn.session;
    if (!session) return;
    const guildIds = Array.isArray(d.guild_id) ? (d.guild_id as string[]) : [String(d.guild_id)];
    for (const gid of guildIds) {
      const g = this.world.guilds.get(gid);
      if (!g) continue;
      const wanted = d.user_ids ? new Set(Array.isArray(d.user_ids) ? (d.user_ids as string[]) : [String(d.user_ids)]) : null;
      const query = typeof d.query === 'string' ? d.query.toLowerCase() : '';
      const limit = typeof d.limit === 'number' && d.limit > 0 ? d.limit : Infinity;
      const ids = [...g.members.keys()].filter((uid) => (wanted ? wanted.has(uid) : (this.world.users.get(uid)?.username ?? '').toLowerCase().startsWith(query))).slice(0, limit);
      this.dispatch(
        'GUILD_MEMBERS_CHUNK',
        {
          guild_id: gid,
          members: ids.map((uid) => this.world.memberObject(gid, uid)),
          chunk_index: 0,
          chunk_count: 1,
          not_found: wanted ? [...wanted].filter((uid) => !g.members.has(uid)) : [],
          ...(d.nonce !== undefined ? { nonce: d.nonce } : {}),
        },
        { sessionId: session.id },
      );
    }
  }

  /**
   * Send a dispatch to every live session (or one), assigning each its next sequence number. A
   * session without an open socket keeps the event for replay on RESUME.
   */
  dispatch(t: string, d: unknown, opts: DispatchOptions = {}): number {
    let count = 0;
    for (const session of this.sessions.values()) {
      if (session.invalid) continue;
      if (opts.sessionId && session.id !== opts.sessionId) continue;
      if (opts.guildId && shardForGuild(opts.guildId, session.shard[1]) !== session.shard[0]) continue;
      if (!opts.guildId && !opts.sessionId && session.shard[0] !== 0) continue; // DMs and app events go to shard 0
      if (opts.intent && (session.intents & opts.intent) === 0) continue;
      const data = opts.transform ? opts.transform(d, session.intents) : d;
      if (data === null) continue;
      const s = ++session.seq;
      session.buffer.push({ s, t, d: data });
      const live = session.conn && !session.conn.zombie && session.conn.ws.readyState === WebSocket.OPEN ? session.conn : null;
      if (live) this.send(live, { op: Op.Dispatch, t, s, d: data });
      this.rec.add('dispatches', { sessionId: session.id, s, t, d: data, delivered: Boolean(live), at: Date.now() });
      count++;
    }
    return count;
  }

  /** Re-send the last dispatch (optionally of type `t`) verbatim, same sequence number, as Discord may after a resume. */
  replayLast(t?: string): { t: string; s: number } | null {
    for (const session of this.sessions.values()) {
      const conn = session.conn;
      if (session.invalid || !conn || conn.ws.readyState !== WebSocket.OPEN) continue;
      const e = [...session.buffer].reverse().find((x) => (t ? x.t === t : x.t !== 'RESUMED' && x.t !== 'READY'));
      if (!e) continue;
      this.send(conn, { op: Op.Dispatch, t: e.t, s: e.s, d: e.d });
      this.rec.add('dispatches', { sessionId: session.id, s: e.s, t: e.t, d: e.d, delivered: true, at: Date.now() });
      return { t: e.t, s: e.s };
    }
    return null;
  }

  /** op 7 RECONNECT to every live session; their events are buffered until they RESUME. */
  forceReconnect(): number {
    let n = 0;
    for (const session of this.liveSessions()) {
      const conn = session.conn!;
      this.send(conn, { op: Op.Reconnect, d: null, s: null, t: null });
      session.conn = null;
      // Discord drops the old socket shortly after if the client does not.
      setTimeout(() => conn.ws.readyState === WebSocket.OPEN && this.closeConn(conn, 4000, 'Reconnect requested'), 2000).unref();
      n++;
    }
    return n;
  }

  /** op 9 INVALID_SESSION; with resumable false the session is gone and the client must IDENTIFY again. */
  invalidateSession(resumable = false): number {
    let n = 0;
    for (const session of this.liveSessions()) {
      this.send(session.conn!, { op: Op.InvalidSession, d: resumable, s: null, t: null });
      if (!resumable) session.invalid = true;
      n++;
    }
    return n;
  }

  /** Close every live session's socket with `code` (4004/4007/4009/4010-4014 also end the session). */
  closeWithCode(code: number, reason = ''): number {
    let n = 0;
    for (const session of this.liveSessions()) {
      const conn = session.conn!;
      session.conn = null;
      if (SESSION_ENDING_CODES.has(code)) session.invalid = true;
      this.closeConn(conn, code, reason);
      n++;
    }
    return n;
  }

  /** Server-side op 1: ask the clients to heartbeat now. */
  requestHeartbeat(): void {
    for (const session of this.liveSessions()) this.send(session.conn!, { op: Op.Heartbeat, d: null, s: null, t: null });
  }

  /** Turn the current sockets into zombies: no heartbeat acks and no dispatches until the client resumes elsewhere. */
  zombie(): number {
    let n = 0;
    for (const session of this.liveSessions()) {
      session.conn!.zombie = true;
      n++;
    }
    return n;
  }

  /** Register a handler for client ops 3/4/8/31 (e.g. a voice fake answering op 4 with VOICE_SERVER_UPDATE). */
  onOp(op: number, hook: (d: unknown, ctx: { sessionId: string | null; reply: (t: string, d: unknown) => void }) => void): void {
    const list = this.opHooks.get(op) ?? [];
    list.push(hook);
    this.opHooks.set(op, list);
  }

  /** Sessions with an open, non-zombie socket. */
  liveSessions(): Session[] {
    return [...this.sessions.values()].filter((s) => !s.invalid && s.conn && !s.conn.zombie && s.conn.ws.readyState === WebSocket.OPEN);
  }

  sessionInfo(): Array<{ id: string; shard: [number, number]; intents: number; seq: number; connected: boolean; invalid: boolean }> {
    return [...this.sessions.values()].map((s) => ({ id: s.id, shard: s.shard, intents: s.intents, seq: s.seq, connected: Boolean(s.conn), invalid: s.invalid }));
  }

  openConnections(): number {
    return this.conns.size;
  }

  private closeConn(conn: Conn, code: number, reason: string): void {
    conn.closingByServer = true;
    if (conn.ws.readyState === WebSocket.OPEN || conn.ws.readyState === WebSocket.CONNECTING) {
      // Let queued frames go out first, then close.
      void conn.sendChain.then(() => conn.ws.close(code, reason));
    }
  }

  private send(conn: Conn, payload: Json): void {
    const text = JSON.stringify(payload);
    conn.sendChain = conn.sendChain.then(
      () =>
        new Promise<void>((resolve) => {
          if (conn.ws.readyState !== WebSocket.OPEN) return resolve();
          if (conn.zlibStream) {
            const z = conn.zlibStream;
            const out: Buffer[] = [];
            const onData = (c: Buffer) => out.push(c);
            z.on('data', onData);
            z.write(text);
            z.flush(zc.Z_SYNC_FLUSH, () => {
              z.off('data', onData);
              conn.ws.send(Buffer.concat(out), { binary: true }, () => resolve());
            });
          } else if (conn.payloadCompress && payload.op === Op.Dispatch) {
            conn.ws.send(deflateSync(text), { binary: true }, () => resolve());
          } else {
            conn.ws.send(text, () => resolve());
          }
        }),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const conn of this.conns) {
      conn.closingByServer = true;
      conn.ws.terminate();
    }
    this.conns.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

function redactToken(d: unknown): unknown {
  return d && typeof d === 'object' && 'token' in d ? { ...(d as Json), token: '[redacted]' } : d;
}

function randomHex(bytes: number): string {
  let s = '';
  for (let i = 0; i < bytes; i++) s += Math.floor(Math.random() * 256).toString(16).padStart(2, '0');
  return s;
}
