// startFakeDiscord(): a protocol-faithful stand-in for Discord's REST API (/api/v10) and gateway on
// 127.0.0.1, for running the real discord.js v14 client in tests. Point the client at it with
//   new Client({ intents, rest: { api: fake.apiUrl } })   // or { ...fake.clientOptions() }
// and log in with fake.token: discord.js finds the gateway through GET /gateway/bot.
//
// Route templates (for failNext and records' `route`):
//   /gateway, /gateway/bot, /users/@me, /users/:userId, /users/@me/channels,
//   /applications/@me, /applications/:appId/commands[/:commandId],
//   /applications/:appId/guilds/:guildId/commands[/:commandId],
//   /channels/:channelId, /channels/:channelId/messages[/:messageId], /channels/:channelId/typing,
//   /channels/:channelId/messages/:messageId/reactions/:emoji/@me, /channels/:channelId/threads,
//   /channels/:channelId/messages/:messageId/threads, /guilds/:guildId[/channels|/roles|/members[/:userId]],
//   /guilds/:guildId/members/:userId/roles/:roleId, /interactions/:interactionId/:token/callback,
//   /webhooks/:appId/:token, /webhooks/:appId/:token/messages/@original, /webhooks/:appId/:token/messages/:messageId
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { FakeContext } from './context.ts';
import { UserActions, type InteractionHandle, type SendInteractionInput, type SendMessageInput } from './events.ts';
import { Gateway, Op, type DispatchOptions } from './gateway.ts';
import { RateLimiter, type BucketConfig, type FailureSpec, type RouteMatcher } from './rate-limits.ts';
import { Recorder, type Records } from './recorder.ts';
import { appRoutes } from './rest-app.ts';
import { channelRoutes } from './rest-channels.ts';
import { interactionRoutes } from './rest-interactions.ts';
import { createRestHandler } from './rest.ts';
import { defaultSeed, type DmSeed, type GuildSeed, type UserSeed } from './seed.ts';
import { snowflakeGenerator } from './snowflake.ts';
import { World, type ChannelRecord, type GuildRecord, type Json, type MessageRecord, type UserRecord } from './state.ts';
import { VoiceStates, type VoiceServerLink } from './voice.ts';

export { DiscordErrors, invalidFormBody, type DiscordError } from './errors.ts';
export { Intent, Op } from './gateway.ts';
export { MessageFlags, MessageType } from './messages.ts';
export { Permission } from './seed.ts';
export { ChannelType } from './state.ts';
export type { ChannelSeed, DmSeed, GuildSeed, MemberSeed, RoleSeed, UserSeed } from './seed.ts';
export type { InteractionHandle, SendInteractionInput, SendMessageInput, FileInput } from './events.ts';
export type { FailureSpec, RateLimitFailure, ErrorFailure, RouteMatcher, BucketConfig } from './rate-limits.ts';
export type { Records, RestRecord, MessageEvent, InteractionEvent, IdentifyRecord, ResumeRecord, DispatchRecord, ConnectionRecord, TypingRecord } from './recorder.ts';
export type { Json, MessageRecord, ChannelRecord } from './state.ts';
export type { VoiceServerLink, VoiceStateRecord } from './voice.ts';

export interface FakeDiscordOptions {
  /** Bot token (without "Bot "). Default: a made-up token derived from the bot's id. */
  token?: string;
  /** Application id. Default: the bot user's id (as for every modern Discord app). */
  applicationId?: string;
  botUser?: Partial<UserSeed>;
  /** Replaces the default users (alice, bob); then guilds and dms default to none. */
  users?: UserSeed[];
  guilds?: GuildSeed[];
  dms?: DmSeed[];
  /** HELLO heartbeat_interval. Default 41250 ms, as Discord. */
  heartbeatIntervalMs?: number;
  /** Shard count recommended by /gateway/bot. Default 1. */
  shards?: number;
  /** Privileged intents enabled "in the Developer Portal" (bitmask of GuildMembers|GuildPresences|MessageContent). Default all. */
  allowedPrivilegedIntents?: number;
  /** The initial-response window for interactions. Default 3000 ms. */
  interactionDeadlineMs?: number;
  /** Per-bucket limits advertised in X-RateLimit-* headers. Default 50 per 1000 ms, enforced. */
  rateLimit?: Partial<BucketConfig>;
  /** Port to listen on. Default 0 (random). */
  port?: number;
}

export interface FakeDiscord {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** http://127.0.0.1:PORT/api — give to discord.js as `rest.api`. */
  readonly apiUrl: string;
  /** ws://127.0.0.1:PORT — what /gateway/bot answers. */
  readonly gatewayUrl: string;
  /** ws://127.0.0.1:PORT/resume — READY's resume_gateway_url. */
  readonly resumeGatewayUrl: string;
  readonly token: string;
  readonly applicationId: string;
  readonly botUserId: string;
  /** `{ rest: { api } }` to spread into discord.js ClientOptions. */
  clientOptions(): { rest: { api: string } };

  // ---- the world ----
  guild(ref?: string): GuildRecord;
  channel(ref: string): ChannelRecord;
  user(ref: string): UserRecord;
  role(ref: string, guildRef?: string): Json;
  /** The bot's DM channel with a user (created if missing, as POST /users/@me/channels would). */
  dmChannel(userRef: string): ChannelRecord;
  /** Current messages of a channel, oldest first (edits applied, deletions gone). */
  messages(channelRef: string): MessageRecord[];
  message(channelRef: string, messageId: string): MessageRecord | undefined;
  /** Registered application commands: global when guildRef is omitted. */
  commands(guildRef?: string): Json[];

  // ---- users acting ----
  sendMessage(input?: SendMessageInput): MessageRecord;
  editUserMessage(channelRef: string, messageId: string, content: string): MessageRecord;
  sendInteraction(input: SendInteractionInput): InteractionHandle;
  createThread(input: { parentId?: string; name: string; owner?: string; type?: number; messageId?: string }): ChannelRecord;
  setMemberRoles(user: string, roles: string[], guildRef?: string): Json;

  // ---- gateway levers ----
  /** Raw dispatch to every live session (or as filtered); returns how many sessions got it. */
  dispatch(t: string, d: unknown, opts?: DispatchOptions): number;
  forceReconnect(): number;
  invalidateSession(resumable?: boolean): number;
  closeWithCode(code: number, reason?: string): number;
  replayLast(t?: string): { t: string; s: number } | null;
  requestHeartbeat(): void;
  zombie(): number;
  setHeartbeatAck(ack: boolean): void;
  onGatewayOp(op: number, hook: (d: unknown, ctx: { sessionId: string | null; reply: (t: string, d: unknown) => void }) => void): void;
  sessions(): Array<{ id: string; shard: [number, number]; intents: number; seq: number; connected: boolean; invalid: boolean }>;

  // ---- voice ----
  /** Where the bot's gateway op 4 is pointed (tests/fakes/discord-voice attaches itself); null: op 4 gets no VOICE_SERVER_UPDATE. */
  setVoiceServer(link: VoiceServerLink | null): void;
  /** A user joins (or moves to) a voice channel: VOICE_STATE_UPDATE to sessions with GUILD_VOICE_STATES. */
  joinVoice(userRef: string, channelRef: string): void;
  /** A user leaves voice in a guild (VOICE_STATE_UPDATE with channel_id null). */
  leaveVoice(userRef: string, guildRef?: string): void;
  /** Who is in voice in a guild: user id -> channel id. */
  voiceStates(guildRef?: string): Map<string, string>;

  // ---- REST levers ----
  /** The next `spec.times` (default 1) requests matching `route` fail: 429 if spec has retryAfterSec, else the given Discord error. */
  failNext(route: RouteMatcher, spec: FailureSpec): void;
  setRateLimit(config: Partial<BucketConfig>): void;
  setInteractionDeadline(ms: number): void;

  // ---- records ----
  readonly records: Records;
  waitFor<K extends keyof Records>(kind: K, pred?: (r: Records[K][number]) => boolean, timeoutMs?: number): Promise<Records[K][number]>;
  clearRecords(): void;

  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startFakeDiscord(opts: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const ids = snowflakeGenerator(1, 0);
  const defaults = defaultSeed();
  const botId = opts.botUser?.id ?? opts.applicationId ?? ids.next();
  const applicationId = opts.applicationId ?? botId;
  const token = opts.token ?? `${Buffer.from(botId).toString('base64url')}.ZmFrZQ.${'f'.repeat(38)}`;
  const customUsers = opts.users !== undefined;
  const world = new World(
    {
      token,
      applicationId,
      botUser: { ...defaults.botUser, ...opts.botUser, id: botId, username: opts.botUser?.username ?? defaults.botUser.username },
      users: opts.users ?? defaults.users,
      guilds: opts.guilds ?? (customUsers ? [] : defaults.guilds),
      dms: opts.dms ?? (customUsers ? [] : defaults.dms),
    },
    ids,
  );

  const rec = new Recorder();
  const limiter = new RateLimiter(opts.rateLimit);
  let port = 0;
  const gateway = new Gateway(
    world,
    rec,
    { heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 41_250, allowedPrivilegedIntents: opts.allowedPrivilegedIntents ?? (2 | 256 | 32768) },
    { gateway: () => `ws://127.0.0.1:${port}`, resume: () => `ws://127.0.0.1:${port}/resume` },
  );
  const ctx = new FakeContext({ world, gateway, rec, limiter, interactionDeadlineMs: opts.interactionDeadlineMs ?? 3000 });
  const routes = [...appRoutes(ctx, { gateway: () => `ws://127.0.0.1:${port}`, shards: opts.shards ?? 1 }), ...channelRoutes(ctx), ...interactionRoutes(ctx)];
  const handleRest = createRestHandler(ctx, routes);
  const actions = new UserActions(ctx);
  const voice = new VoiceStates(world, gateway);
  gateway.onOp(Op.VoiceStateUpdate, (d, { sessionId }) => voice.onBotOp4(d, sessionId));

  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    handleRest(req, res).catch((err: unknown) => {
      console.error('fake discord: request failed', err);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req, socket, head) => gateway.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  ctx.baseUrl = url;

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      await gateway.close();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await done;
    })());

  const guildOrThrow = (ref?: string) => world.guild(ref) ?? (() => { throw new Error(`fake discord: no guild ${ref ?? '(default)'}`); })();

  return {
    url,
    apiUrl: `${url}/api`,
    gatewayUrl: `ws://127.0.0.1:${port}`,
    resumeGatewayUrl: `ws://127.0.0.1:${port}/resume`,
    token,
    applicationId,
    botUserId: world.botUserId,
    clientOptions: () => ({ rest: { api: `${url}/api` } }),

    guild: guildOrThrow,
    channel: (ref) => world.requireChannel(ref),
    user: (ref) => world.requireUser(ref),
    role: (ref, guildRef) => world.role(ref, guildRef ? guildOrThrow(guildRef).id : undefined) ?? (() => { throw new Error(`fake discord: no role ${ref}`); })(),
    dmChannel: (userRef) => world.ensureDm(world.requireUser(userRef).id),
    messages: (ref) => [...world.channelMessages(world.requireChannel(ref).id).values()],
    message: (ref, id) => world.message(world.requireChannel(ref).id, id),
    commands: (guildRef) => {
      const gid = guildRef ? guildOrThrow(guildRef).id : null;
      return world.commands.filter((c) => c.guildId === gid).map((c) => c.command);
    },

    sendMessage: (input) => actions.sendMessage(input),
    editUserMessage: (ref, id, content) => actions.editMessage(ref, id, content),
    sendInteraction: (input) => actions.sendInteraction(input),
    createThread: (input) => actions.createThread(input),
    setMemberRoles: (user, roles, guildRef) => actions.setMemberRoles(user, roles, guildRef),

    dispatch: (t, d, o) => gateway.dispatch(t, d, o),
    forceReconnect: () => gateway.forceReconnect(),
    invalidateSession: (resumable) => gateway.invalidateSession(resumable),
    closeWithCode: (code, reason) => gateway.closeWithCode(code, reason),
    replayLast: (t) => gateway.replayLast(t),
    requestHeartbeat: () => gateway.requestHeartbeat(),
    zombie: () => gateway.zombie(),
    setHeartbeatAck: (ack) => {
      gateway.ackHeartbeats = ack;
    },
    onGatewayOp: (op, hook) => gateway.onOp(op, hook),
    sessions: () => gateway.sessionInfo(),

    setVoiceServer: (link) => voice.setServer(link),
    joinVoice: (userRef, channelRef) => {
      const ch = world.requireChannel(channelRef);
      if (!ch.guild_id) throw new Error(`fake discord: ${channelRef} is not a guild channel`);
      voice.join(ch.guild_id, world.requireUser(userRef).id, ch.id);
    },
    leaveVoice: (userRef, guildRef) => voice.leave(guildOrThrow(guildRef).id, world.requireUser(userRef).id),
    voiceStates: (guildRef) => new Map([...world.guildVoiceStates(guildOrThrow(guildRef).id)].map(([uid, v]) => [uid, v.channelId])),

    failNext: (route, spec) => limiter.failNext(route, spec),
    setRateLimit: (config) => {
      limiter.config = { ...limiter.config, ...config };
    },
    setInteractionDeadline: (ms) => {
      ctx.interactionDeadlineMs = ms;
    },

    records: rec.records,
    waitFor: (kind, pred, timeoutMs) => rec.waitFor(kind, pred, timeoutMs),
    clearRecords: () => rec.clear(),

    close,
    [Symbol.asyncDispose]: close,
  };
}
