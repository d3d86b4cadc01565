// A protocol-faithful fake of Discord's voice server: the voice gateway v8 over wss (TLS), UDP IP
// discovery, `aead_aes256_gcm_rtpsize` media both ways, op 5 SPEAKING (SSRC -> user), op 11/13 clients
// connecting/leaving, heartbeats with seq_ack, RESUME, and DAVE declined (op 4 `dave_protocol_version: 0`).
// Sequence (PLATFORM-APIS.md section 2, verified against @discordjs/voice 0.19.2):
//   client op 0 IDENTIFY {server_id,user_id,session_id,token,max_dave_protocol_version}
//   server op 8 HELLO {heartbeat_interval} (sent on open, as Discord does) and op 2 READY {ssrc,ip,port,modes}
//   client UDP IP discovery (74 bytes), then op 1 SELECT_PROTOCOL {protocol:"udp",data:{address,port,mode}}
//   server op 4 SESSION_DESCRIPTION {mode, secret_key:[32], dave_protocol_version:0}
// Surprises worth knowing:
// - The client sends IDENTIFY the moment the socket opens, before HELLO (dist:1471-1483).
// - Server JSON messages carry `seq`; the client echoes the last one as `seq_ack` in heartbeats and RESUME.
//   `if (packet.seq)` is a truthiness check, so a seq of 0 is never acknowledged: start at 1.
// - A close with 4015 or any code < 4000 makes the client RESUME (op 7) on a new socket, keeping its UDP socket,
//   SSRC and key; any other 4xxx (but 4014) makes the VoiceConnection rejoin: a new gateway op 4, a new
//   VOICE_SERVER_UPDATE and a fresh IDENTIFY (new SSRC and key).
// - The receiver maps SSRC to user only from op 5; packets from an SSRC no op 5 named are dropped silently.
import { randomBytes, randomInt } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { decodeOpus } from './audio.ts';
import { AES_GCM_MODE, OPUS_SILENCE_FRAME, decryptRtp, discoveryResponse, encryptRtp, isDiscoveryRequest, readRtpHeader } from './rtp.ts';

/** Voice gateway opcodes (discord-api-types/voice/v8). */
export const VoiceOp = {
  Identify: 0, SelectProtocol: 1, Ready: 2, Heartbeat: 3, SessionDescription: 4, Speaking: 5, HeartbeatAck: 6,
  Resume: 7, Hello: 8, Resumed: 9, ClientsConnect: 11, ClientDisconnect: 13,
} as const;

/** Voice close codes. @see https://discord.com/developers/docs/topics/opcodes-and-status-codes#voice-voice-close-event-codes */
export const VoiceClose = {
  UnknownOpcode: 4001, DecodeError: 4002, NotAuthenticated: 4003, AuthenticationFailed: 4004, AlreadyAuthenticated: 4005,
  SessionInvalid: 4006, SessionTimeout: 4009, ServerNotFound: 4011, UnknownProtocol: 4012, Disconnected: 4014,
  ServerCrashed: 4015, UnknownEncryptionMode: 4016,
} as const;

/** What the gateway fake hands out in VOICE_STATE_UPDATE / VOICE_SERVER_UPDATE, checked at IDENTIFY and RESUME. */
export interface VoiceGrant {
  guildId: string;
  userId: string;
  sessionId: string;
  token: string;
}

export interface ReceivedPacket {
  /** Date.now() at arrival. */
  at: number;
  sequence: number;
  timestamp: number;
  nonce: number;
  opus: Buffer;
  /** The `f8 ff fe` frame clients send after a talk spurt. */
  silence: boolean;
}

export interface VoiceOpRecord {
  session: number | null;
  dir: 'in' | 'out';
  op: number;
  d: unknown;
  at: number;
}

export interface VoiceCloseRecord {
  session: number | null;
  code: number;
  by: 'server' | 'client';
  at: number;
}

/** One voice session (one bot in one guild's channel). Survives its socket for RESUME. */
export interface FakeVoiceSession {
  readonly id: number;
  readonly guildId: string;
  readonly userId: string;
  readonly sessionId: string;
  /** The bot's SSRC (op 2). */
  readonly ssrc: number;
  readonly secretKey: Buffer;
  /** The client's max_dave_protocol_version at IDENTIFY. */
  readonly maxDaveVersion: unknown;
  /** Mode from SELECT_PROTOCOL, once chosen. */
  mode: string | null;
  /** SESSION_DESCRIPTION sent: the client is Ready. */
  ready: boolean;
  /** The client's UDP address as IP discovery saw it. */
  udp: { address: string; port: number } | null;
  /** Its SELECT_PROTOCOL data. */
  selected: { address: string; port: number; mode: string } | null;
  ws: WebSocket | null;
  seq: number;
  lastSeqAck: number | null;
  resumes: number;
  heartbeats: number;
  keepAlives: number;
  decryptFailures: number;
  /** Packets whose nonce did not grow (a client must never reuse one). */
  nonceRegressions: number;
  lastNonce: number;
  /** Media from the bot. */
  received: ReceivedPacket[];
  /** op 5 from the bot: {speaking, delay, ssrc} with arrival time. */
  speaking: Array<{ speaking: number; at: number }>;
  sendNonce: number;
  speakers: Map<string, { ssrc: number; sequence: number; timestamp: number }>;
  closed: boolean;
}

export interface FakeVoiceServerOptions {
  key: string;
  cert: string;
  /** op 8 heartbeat_interval. @defaultValue `13750` (what Discord sends) */
  heartbeatIntervalMs?: number;
  /** Modes offered in op 2. @defaultValue `['aead_aes256_gcm_rtpsize']` */
  modes?: string[];
}

export interface SpeakOptions {
  /** Pacing between packets. @defaultValue `20` */
  intervalMs?: number;
  /** Send op 5 first (Discord does when a user starts talking). @defaultValue `true` */
  announce?: boolean;
  /** Put a one-element 0xBEDE header extension on each packet, as Discord's own clients do. @defaultValue `true` */
  extension?: boolean;
  /** After packet i (0-based), also send these bad packets. */
  inject?: (i: number) => Array<'bad-tag' | 'bad-opus' | 'unknown-ssrc'>;
  /** Stop early when this returns true (checked before each packet). */
  until?: () => boolean;
}

export class FakeVoiceServer {
  readonly #https: Server;
  readonly #wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  readonly #udp: UdpSocket;
  readonly #opts: Required<Omit<FakeVoiceServerOptions, 'key' | 'cert'>>;
  readonly #grants = new Map<string, VoiceGrant>();
  readonly #sessions: FakeVoiceSession[] = [];
  readonly #tcp = new Set<Socket>();
  #nextId = 1;
  #closing: Promise<void> | undefined;
  /** Answer heartbeats (false: let the client think the link died). */
  ackHeartbeats = true;
  readonly ops: VoiceOpRecord[] = [];
  readonly closes: VoiceCloseRecord[] = [];
  /** UDP datagrams for no known session (or before it was ready). */
  strayDatagrams = 0;
  port = 0;
  udpPort = 0;

  constructor(opts: FakeVoiceServerOptions) {
    this.#opts = { heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 13_750, modes: opts.modes ?? [AES_GCM_MODE] };
    this.#https = createServer({ key: opts.key, cert: opts.cert }, (_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' }).end('voice gateway: upgrade to a WebSocket');
    });
    this.#https.on('connection', (s: Socket) => {
      this.#tcp.add(s);
      s.on('close', () => this.#tcp.delete(s));
    });
    this.#https.on('upgrade', (req, socket, head) => this.#wss.handleUpgrade(req, socket, head, (ws) => this.#onConnection(ws, req.url ?? '/')));
    this.#udp = createSocket('udp4');
    this.#udp.on('message', (msg, rinfo) => this.#onDatagram(msg, rinfo.address, rinfo.port));
    this.#udp.on('error', () => {});
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#https.once('error', reject);
      this.#https.listen(0, '127.0.0.1', () => resolve());
    });
    await new Promise<void>((resolve) => this.#udp.bind(0, '127.0.0.1', () => resolve()));
    this.port = (this.#https.address() as AddressInfo).port;
    this.udpPort = this.#udp.address().port;
  }

  /** What VOICE_SERVER_UPDATE carries: host:port, no scheme (the client adds `wss://` and `?v=8`). */
  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Allow one IDENTIFY/RESUME with these credentials (the gateway fake calls this when it answers op 4). */
  grant(g: VoiceGrant): void {
    this.#grants.set(`${g.guildId}:${g.userId}`, g);
  }

  sessions(): readonly FakeVoiceSession[] {
    return this.#sessions;
  }

  /** The newest open session (of a guild), or undefined. */
  session(guildId?: string): FakeVoiceSession | undefined {
    return [...this.#sessions].reverse().find((s) => !s.closed && (!guildId || s.guildId === guildId));
  }

  #require(guildId?: string): FakeVoiceSession {
    const s = this.session(guildId);
    if (!s) throw new Error(`fake voice: no open voice session${guildId ? ` for guild ${guildId}` : ''}`);
    return s;
  }

  // ---- the voice gateway ---------------------------------------------------------------------------------------
  #onConnection(ws: WebSocket, url: string): void {
    let session: FakeVoiceSession | null = null;
    const version = new URL(url, 'https://fake').searchParams.get('v');
    ws.on('error', () => {});
    ws.on('close', (code) => {
      this.closes.push({ session: session?.id ?? null, code, by: (ws as WebSocket & { byServer?: boolean }).byServer ? 'server' : 'client', at: Date.now() });
      if (session?.ws === ws) session.ws = null;
    });
    this.#send(ws, null, { op: VoiceOp.Hello, d: { v: Number(version ?? 8), heartbeat_interval: this.#opts.heartbeatIntervalMs } });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) {
        // DAVE binary frames ([seq u16][op u8] from the server, [op u8][payload] from the client). Declined here.
        const buf = Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]);
        this.ops.push({ session: session?.id ?? null, dir: 'in', op: buf[0] ?? -1, d: { binary: buf.length }, at: Date.now() });
        return;
      }
      let msg: { op?: unknown; d?: unknown };
      try {
        msg = JSON.parse(String(data)) as { op?: unknown; d?: unknown };
      } catch {
        return this.#close(ws, session, VoiceClose.DecodeError);
      }
      if (typeof msg?.op !== 'number') return this.#close(ws, session, VoiceClose.DecodeError);
      const d = (msg.d ?? {}) as Record<string, unknown>;
      this.ops.push({ session: session?.id ?? null, dir: 'in', op: msg.op, d: 'token' in d ? { ...d, token: '[redacted]' } : msg.d, at: Date.now() });
      switch (msg.op) {
        case VoiceOp.Identify: {
          if (session) return this.#close(ws, session, VoiceClose.AlreadyAuthenticated);
          const grant = this.#grants.get(`${String(d.server_id)}:${String(d.user_id)}`);
          if (!grant || grant.sessionId !== d.session_id || grant.token !== d.token) return this.#close(ws, null, VoiceClose.AuthenticationFailed);
          for (const old of this.#sessions) if (old.guildId === grant.guildId && old.userId === grant.userId) this.#end(old);
          session = this.#newSession(grant, d.max_dave_protocol_version, ws);
          this.#send(ws, session, { op: VoiceOp.Ready, d: { ssrc: session.ssrc, ip: '127.0.0.1', port: this.udpPort, modes: this.#opts.modes, experiments: [] } });
          return;
        }
        case VoiceOp.Resume: {
          if (session) return this.#close(ws, session, VoiceClose.AlreadyAuthenticated);
          const found = [...this.#sessions].reverse().find((s) => !s.closed && s.guildId === d.server_id && s.sessionId === d.session_id);
          const grant = found ? this.#grants.get(`${found.guildId}:${found.userId}`) : undefined;
          if (!found || !grant || grant.token !== d.token) return this.#close(ws, null, VoiceClose.SessionInvalid);
          if (found.ws && found.ws !== ws) this.#close(found.ws, found, 1000);
          session = found;
          session.ws = ws;
          session.resumes++;
          session.lastSeqAck = typeof d.seq_ack === 'number' ? d.seq_ack : null;
          this.#send(ws, session, { op: VoiceOp.Resumed, d: null });
          return;
        }
        case VoiceOp.Heartbeat:
          if (session) {
            session.heartbeats++;
            if (typeof d.seq_ack === 'number') session.lastSeqAck = d.seq_ack;
          }
          if (this.ackHeartbeats) this.#send(ws, null, { op: VoiceOp.HeartbeatAck, d: { t: d.t } });
          return;
        case VoiceOp.SelectProtocol: {
          if (!session) return this.#close(ws, null, VoiceClose.NotAuthenticated);
          const data = (d.data ?? {}) as Record<string, unknown>;
          if (d.protocol !== 'udp') return this.#close(ws, session, VoiceClose.UnknownProtocol);
          if (typeof data.mode !== 'string' || !this.#opts.modes.includes(data.mode)) return this.#close(ws, session, VoiceClose.UnknownEncryptionMode);
          session.selected = { address: String(data.address), port: Number(data.port), mode: data.mode };
          session.mode = data.mode;
          session.ready = true;
          // dave_protocol_version 0 declines DAVE: the client's DAVESession never builds an MLS group and passes media through.
          this.#send(ws, session, { op: VoiceOp.SessionDescription, d: { audio_codec: 'opus', video_codec: null, media_session_id: randomBytes(16).toString('hex'), mode: data.mode, secret_key: [...session.secretKey], dave_protocol_version: 0 } });
          return;
        }
        case VoiceOp.Speaking:
          if (session) session.speaking.push({ speaking: Number(d.speaking), at: Date.now() });
          return;
        default:
          // 21-31 are DAVE (never expected once declined); anything else is unknown.
          if (msg.op >= 21 && msg.op <= 31) return;
          return this.#close(ws, session, VoiceClose.UnknownOpcode);
      }
    });
  }

  #newSession(grant: VoiceGrant, maxDaveVersion: unknown, ws: WebSocket): FakeVoiceSession {
    const session: FakeVoiceSession = {
      id: this.#nextId++, guildId: grant.guildId, userId: grant.userId, sessionId: grant.sessionId,
      ssrc: randomInt(1, 2 ** 31), secretKey: randomBytes(32), maxDaveVersion, mode: null, ready: false, udp: null, selected: null, ws,
      seq: 0, lastSeqAck: null, resumes: 0, heartbeats: 0, keepAlives: 0, decryptFailures: 0, nonceRegressions: 0, lastNonce: -1,
      received: [], speaking: [], sendNonce: randomInt(0, 2 ** 16), speakers: new Map(), closed: false,
    };
    this.#sessions.push(session);
    return session;
  }

  #send(ws: WebSocket, session: FakeVoiceSession | null, payload: { op: number; d: unknown }): void {
    // Hello and heartbeat acks carry no seq; everything a session sends is numbered from 1.
    const body = session && payload.op !== VoiceOp.HeartbeatAck ? { ...payload, seq: ++session.seq } : payload;
    this.ops.push({ session: session?.id ?? null, dir: 'out', op: payload.op, d: payload.op === VoiceOp.SessionDescription ? { ...(payload.d as object), secret_key: '[redacted]' } : payload.d, at: Date.now() });
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(body));
  }

  #close(ws: WebSocket, session: FakeVoiceSession | null, code: number): void {
    (ws as WebSocket & { byServer?: boolean }).byServer = true;
    // These codes end the session on Discord's side: a RESUME of it is refused from now on.
    if (session && (code === VoiceClose.SessionInvalid || code === VoiceClose.Disconnected || code === VoiceClose.AuthenticationFailed)) session.closed = true;
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(code);
  }

  #end(session: FakeVoiceSession): void {
    session.closed = true;
    if (session.ws) this.#close(session.ws, session, 1000);
    session.ws = null;
  }

  // ---- UDP -------------------------------------------------------------------------------------------------
  #onDatagram(msg: Buffer, address: string, port: number): void {
    if (isDiscoveryRequest(msg)) {
      const ssrc = msg.readUInt32BE(4);
      const session = this.#sessions.find((s) => !s.closed && s.ssrc === ssrc);
      if (!session) return void this.strayDatagrams++;
      session.udp = { address, port };
      this.#udp.send(discoveryResponse(ssrc, address, port), port, address);
      return;
    }
    if (msg.length === 8) {
      // Keep-alive: u32 LE counter every 5 s. Discord does not answer it.
      const session = this.#sessions.find((s) => !s.closed && s.udp?.port === port && s.udp.address === address);
      if (session) session.keepAlives++;
      return;
    }
    const header = readRtpHeader(msg);
    const session = header && this.#sessions.find((s) => !s.closed && s.ready && s.ssrc === header.ssrc);
    if (!session) return void this.strayDatagrams++;
    try {
      const p = decryptRtp(session.secretKey, msg);
      if (p.nonce <= session.lastNonce) session.nonceRegressions++;
      session.lastNonce = p.nonce;
      session.received.push({ at: Date.now(), sequence: p.sequence, timestamp: p.timestamp, nonce: p.nonce, opus: p.opus, silence: p.opus.equals(OPUS_SILENCE_FRAME) });
    } catch {
      session.decryptFailures++;
    }
  }

  // ---- levers: users talking to the bot ----------------------------------------------------------------------
  #speaker(session: FakeVoiceSession, userId: string): { ssrc: number; sequence: number; timestamp: number } {
    let sp = session.speakers.get(userId);
    if (!sp) {
      sp = { ssrc: randomInt(1, 2 ** 31), sequence: randomInt(0, 2 ** 16), timestamp: randomInt(0, 2 ** 31) };
      session.speakers.set(userId, sp);
    }
    return sp;
  }

  /** op 5 SPEAKING for a user (maps its SSRC to the user on the client); returns the SSRC. */
  announceSpeaker(userId: string, speaking = 1, guildId?: string): number {
    const session = this.#require(guildId);
    const sp = this.#speaker(session, userId);
    if (session.ws) this.#send(session.ws, session, { op: VoiceOp.Speaking, d: { user_id: userId, ssrc: sp.ssrc, speaking } });
    return sp.ssrc;
  }

  /** op 11: users connected to the call (feeds DAVE only, on the client). */
  clientsConnect(userIds: string[], guildId?: string): void {
    const session = this.session(guildId);
    if (session?.ws) this.#send(session.ws, session, { op: VoiceOp.ClientsConnect, d: { user_ids: userIds } });
  }

  /** op 13: a user left the call; the client forgets its SSRC. */
  clientDisconnect(userId: string, guildId?: string): void {
    const session = this.session(guildId);
    if (!session) return;
    session.speakers.delete(userId);
    if (session.ws) this.#send(session.ws, session, { op: VoiceOp.ClientDisconnect, d: { user_id: userId } });
  }

  /**
   * One encrypted Opus packet from `userId` to the bot. `badTag` flips a tag byte (fails decryption);
   * `ssrc` overrides the sender's SSRC (e.g. one no op 5 announced).
   */
  sendOpus(userId: string, opus: Buffer, opts: { badTag?: boolean; ssrc?: number; extension?: boolean; guildId?: string } = {}): void {
    const session = this.#require(opts.guildId);
    if (!session.ready || !session.udp) throw new Error('fake voice: the client has not finished IP discovery / SELECT_PROTOCOL');
    const sp = this.#speaker(session, userId);
    sp.sequence = (sp.sequence + 1) & 0xffff;
    sp.timestamp = (sp.timestamp + 960) >>> 0;
    session.sendNonce = (session.sendNonce + 1) >>> 0;
    // Discord's clients put a header extension (e.g. audio level) on their packets; its body is encrypted.
    const extension = opts.extension ?? true ? Buffer.from([0x10, 0x7f, 0x00, 0x00]) : undefined;
    const packet = encryptRtp(session.secretKey, { sequence: sp.sequence, timestamp: sp.timestamp, ssrc: opts.ssrc ?? sp.ssrc, ...(extension ? { extension } : {}) }, opus, session.sendNonce);
    if (opts.badTag) packet.writeUInt8(packet[packet.length - 5]! ^ 0xff, packet.length - 5);
    this.#udp.send(packet, session.udp.port, session.udp.address);
  }

  /**
   * Streams Opus frames as `userId` at real-time pacing (drift-free 20 ms schedule), announcing the
   * speaker first and ending with five silence frames, like a Discord client. Resolves with the SSRC used.
   */
  async speak(userId: string, frames: readonly Buffer[], opts: SpeakOptions = {}): Promise<{ ssrc: number; sent: number }> {
    const interval = opts.intervalMs ?? 20;
    const ssrc = opts.announce ?? true ? this.announceSpeaker(userId) : this.#speaker(this.#require(), userId).ssrc;
    const all = [...frames, ...Array.from({ length: 5 }, () => OPUS_SILENCE_FRAME)];
    const start = performance.now();
    let sent = 0;
    for (let i = 0; i < all.length; i++) {
      if (opts.until?.()) break;
      const wait = start + i * interval - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (!this.session()) break;
      this.sendOpus(userId, all[i]!, { extension: opts.extension ?? true });
      sent++;
      for (const bad of opts.inject?.(i) ?? []) {
        if (bad === 'bad-tag') this.sendOpus(userId, all[i]!, { badTag: true });
        else if (bad === 'bad-opus') this.sendOpus(userId, corruptOpus(i));
        else this.sendOpus(`unknown-${userId}`, all[i]!, { ssrc: (ssrc ^ 0x5a5a5a5a) >>> 0 || 1 });
      }
    }
    return { ssrc, sent };
  }

  // ---- levers: the link ---------------------------------------------------------------------------------------
  /** Closes the bot's voice socket: with a code (4015 resumes, 4006 rejoins, 4014 disconnects) or, without one, abruptly (1006, resumes). */
  drop(code?: number, guildId?: string): void {
    const session = this.#require(guildId);
    const ws = session.ws;
    if (!ws) return;
    if (code === undefined) {
      (ws as WebSocket & { byServer?: boolean }).byServer = true;
      ws.terminate();
    } else this.#close(ws, session, code);
  }

  // ---- what the bot played ---------------------------------------------------------------------------------------
  /** Packets the bot sent (of a guild's newest session unless `all`), in arrival order. */
  played(opts: { guildId?: string; all?: boolean } = {}): ReceivedPacket[] {
    const sessions = opts.all ? this.#sessions.filter((s) => !opts.guildId || s.guildId === opts.guildId) : [this.session(opts.guildId)].filter((s) => s !== undefined);
    return sessions.flatMap((s) => s.received);
  }

  /** The bot's audio decoded to 48 kHz stereo PCM. */
  decodePlayed(packets: readonly ReceivedPacket[] = this.played()): { pcm: Buffer; rejected: number } {
    return decodeOpus(packets.map((p) => p.opus));
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const s of this.#sessions) {
        s.closed = true;
        s.ws?.terminate();
      }
      for (const c of this.#wss.clients) c.terminate();
      await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
      const done = new Promise<void>((resolve) => this.#https.close(() => resolve()));
      for (const s of this.#tcp) s.destroy();
      await done;
      await new Promise<void>((resolve) => this.#udp.close(() => resolve()));
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Bytes that are not a valid Opus packet (RFC 6716 3.4: code 3 with a frame count of 0 violates R5), varied per call. */
export function corruptOpus(i: number): Buffer {
  return Buffer.from([0xfb, 0x00, (i * 37) & 0xff, 0x13, 0x37]);
}
