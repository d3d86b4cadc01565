import { Events, Status, Routes, type Client, type ClientOptions, type Message } from 'discord.js';
import { Hono } from 'hono';
import type { HelixConfig } from '../../config/index.ts';
import {
  DeliveryLedger, INBOUND_QUEUE, OPS_ACTIONS_QUEUE, healthRoutes, listen, openProcessRedis, redisReady,
  type Logger, type MeshConsumer, type ProcessMetrics, type RunningServer, withDeadline,
} from '../../mesh/index.ts';
import { registerCommands } from './commands.ts';
import { startDiscordDelivery } from './deliver.ts';
import { createDiscordClient, guardPacketHandling } from './discord-client.ts';
import { createDiscordMetrics } from './discord-metrics.ts';
import { EditTargets } from './edit-targets.ts';
import { InteractionAcks } from './interaction-acks.ts';
import { InteractionIntake } from './interaction-intake.ts';
import { TYPING_MAX_MS } from './limits.ts';
import { MessageIntake } from './message-intake.ts';
import { MessagePoster } from './message-poster.ts';
import type { ListenSettings } from './normalize.ts';
import { TypingIndicator } from './typing.ts';
import { ChannelReplies } from './channel-replies.ts';
import { VoiceChannels } from './voice/voice-channels.ts';
import { VoiceConversations } from './voice/voice-conversations.ts';
import { createVoiceMetrics } from './voice/voice-metrics.ts';

export interface DiscordBotOptions {
  config: HelixConfig;
  redisUrl: string;
  log: Logger;
  /** Extra discord.js client options (tests: a no-op identify throttler). */
  clientOptions?: Partial<ClientOptions>;
  /** Serve /healthz and /metrics on discord.host:port. @defaultValue `true` */
  serveHttp?: boolean;
  /** Longest to wait for the gateway's READY at start. @defaultValue `30000` */
  readyTimeoutMs?: number;
}

/** A running Discord bot; `close()` stops intake, then delivery, the gateway, queues and Redis. Safe to call twice. */
export interface RunningDiscordBot {
  readonly client: Client<true>;
  readonly metrics: ProcessMetrics;
  /** Base URL of /healthz and /metrics, when served. */
  readonly url: string | undefined;
  /** Voice channels (when `discord.voice.enabled`): the audio pipeline listens for its 'session' event. */
  readonly voice: VoiceChannels | undefined;
  /** The calls' conversations with the brain (when `discord.voice.enabled`): transcripts in, spoken replies out. */
  readonly voiceConversations: VoiceConversations | undefined;
  /** The `outbound-discord` consumer (its BullMQ worker can be paused, e.g. to drain a replica). */
  readonly delivery: MeshConsumer;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts the Discord bot: logs in to the gateway, registers slash commands, turns messages and
 * interactions into envelopes on `inbound` / `ops-actions`, and delivers `outbound-discord`.
 */
export async function startDiscordBot(opts: DiscordBotOptions): Promise<RunningDiscordBot> {
  const { config, log } = opts;
  const discord = config.discord;
  const token = discord.token;
  if (!token) throw new Error('discord.token is not set: create a bot in the Discord Developer Portal and set HELIX_DISCORD__TOKEN (or DISCORD_TOKEN_FILE). See README, "Connecting Discord".');
  const prefix = config.redis.prefix;
  // The producer fails fast (no offline queue): nothing is acknowledged on Discord before its envelope is queued.
  const redis = openProcessRedis({ redisUrl: opts.redisUrl, role: 'discord', prefix, log });
  const { producer, worker, metrics, deadLetters } = redis;
  await redisReady(producer, 5_000).catch((err: Error) => log.warn({ err: err.message }, 'redis not reachable yet; messages are not taken until it is'));

  // The gauges read the client and the typing indicator at scrape time (after start).
  const dm = createDiscordMetrics(metrics, () => (client.ws.shards.size ? client.ws.ping : -1), () => typing.active);
  const client = createDiscordClient(discord, (info) => {
    dm.rateLimits.inc({ scope: info.global ? 'global' : info.scope });
    log.warn({ route: info.route, method: info.method, retry_after_ms: info.retryAfter, global: info.global }, 'Discord rate limit');
  }, opts.clientOptions);
  // Another bot process may deliver the reply: the channel's reply mark ends this process's indicator too.
  const replies = new ChannelReplies(producer, prefix, TYPING_MAX_MS);
  const typing = new TypingIndicator({
    send: (channelId) => client.rest.post(Routes.channelTyping(channelId)),
    answered: (channelId, messageId) => replies.answered(channelId, messageId),
    intervalMs: discord.typingIntervalMs, delayMs: discord.typingDelayMs, maxMs: TYPING_MAX_MS, log,
  });
  guardPacketHandling(client, (type, err) => {
    dm.badPayloads.inc({ type });
    log.warn({ type, err: (err as Error)?.message ?? String(err) }, 'malformed gateway payload skipped');
  });
  client.on(Events.Error, (err) => log.error({ err }, 'discord client error'));
  client.on(Events.ShardError, (err, shardId) => log.error({ err: err.message, shard: shardId }, 'gateway shard error'));
  client.on(Events.ShardDisconnect, (event, shardId) => log.warn({ code: event.code, shard: shardId }, 'gateway shard disconnected'));
  client.on(Events.ShardResume, (shardId, replayed) => log.info({ shard: shardId, replayed }, 'gateway shard resumed'));

  const inbound = redis.queue(INBOUND_QUEUE);
  const opsActions = redis.queue(OPS_ACTIONS_QUEUE);
  const acks = new InteractionAcks(producer, prefix);
  const dedupeWindowSec = config.redis.dedupeWindowSec;
  const ownChannels = new Set(discord.ownChannels);
  let settings: ListenSettings | undefined;
  const messages = new MessageIntake({ inbound, dedupeWindowSec, settings: () => settings, typing, metrics: dm, log });
  const interactions = new InteractionIntake({ rest: client.rest, inbound, opsActions, acks, dedupeWindowSec, metrics: dm, log });
  client.on(Events.MessageCreate, (m: Message) => void messages.handle(m));
  // Interactions are read raw: discord.js silently drops types it does not know, and those still deserve an answer.
  const voiceMetrics = discord.voice.enabled ? createVoiceMetrics(metrics, (): number => voice?.size ?? 0) : undefined;
  const voice: VoiceChannels | undefined = voiceMetrics ? new VoiceChannels({ client, log, metrics: voiceMetrics, leaveWhenEmptyMs: discord.voice.leaveWhenEmptyMs, joinTimeoutMs: discord.voice.joinTimeoutMs }) : undefined;
  client.on(Events.Raw, (packet: { t?: unknown; d?: unknown } | null) => {
    if (packet?.t !== 'INTERACTION_CREATE') return;
    // With voice on, the bot itself answers /join and /leave (they act on this process's voice connections).
    if (voice?.isVoiceCommand(packet.d)) void voice.handleInteraction(packet.d);
    else void interactions.handle(packet.d);
  });

  let delivery: ReturnType<typeof startDiscordDelivery> | undefined;
  let voiceConversations: VoiceConversations | undefined;
  let server: RunningServer | undefined;

  const close = () => redis.close([
    ['intake', () => { messages.stop(); interactions.stop(); return voiceConversations?.close(); }],
    ['delivery', () => delivery?.close(), () => delivery?.worker.close(true)],
    ['typing', () => typing.close()],
    ['voice', () => voice?.close()],
    ['gateway', () => client.destroy()],
    ['http', () => server?.close()],
  ], 'discord bot stopped');

  try {
    const ready = new Promise<Client<true>>((resolve) => client.once(Events.ClientReady, resolve));
    await client.login(token);
    const readyClient = await withDeadline(ready, opts.readyTimeoutMs ?? 30_000, 'gateway READY');
    settings = { helixId: readyClient.user.id, ownChannels, ignoreBots: discord.ignoreBots };
    const applicationId = discord.applicationId ?? readyClient.application.id;
    await registerCommands(client.rest, applicationId, discord.commandGuildIds).then(
      () => log.info({ scope: discord.commandGuildIds.length ? discord.commandGuildIds : 'global' }, 'slash commands registered'),
      (err: unknown) => log.error({ err: (err as Error).message }, 'slash commands not registered; they may be missing or stale in Discord'),
    );
    const ledger = new DeliveryLedger(producer, prefix, 'discord', dedupeWindowSec);
    const poster = new MessagePoster(client.rest, ledger);
    if (voice && voiceMetrics) voiceConversations = new VoiceConversations({ client, channels: voice, voice: config.voice, inbound, dedupeWindowSec, poster, ledger, metrics: voiceMetrics, log });
    delivery = startDiscordDelivery({
      connection: worker, prefix, log, deadLetters, metrics, discordMetrics: dm,
      poster, edits: new EditTargets(producer, prefix), acks, typing, replies, voice: voiceConversations,
    });
    if (opts.serveHttp ?? true) {
      const app = new Hono();
      app.route('/', healthRoutes({
        registry: metrics.registry,
        checks: {
          redis: async () => void (await producer.ping()),
          gateway: async () => {
            if (client.ws.status !== Status.Ready) throw new Error(`gateway is ${Status[client.ws.status] ?? client.ws.status}`);
          },
        },
      }));
      server = await listen(app, discord.host, discord.port);
    }
    log.info({ user: readyClient.user.tag, shards: [...client.ws.shards.keys()], health: server?.url }, 'discord bot ready');
    return { client: readyClient, metrics, url: server?.url, voice, voiceConversations, delivery, close, [Symbol.asyncDispose]: close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * Why a start failure is the configuration's fault (a wrong token, the Message Content intent switched
 * off), so the supervisor should stop instead of restarting; undefined for anything else.
 */
export function configFailure(err: unknown): string | undefined {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  if (e?.code === 'TokenInvalid') return 'Discord refused the bot token: set discord.token (HELIX_DISCORD__TOKEN or DISCORD_TOKEN_FILE) to the token on the Developer Portal\'s Bot page (reset it if unsure).';
  if (typeof e?.message === 'string' && /disallowed intents/i.test(e.message)) {
    return 'Discord refused the gateway intents: switch on "Message Content Intent" on the Developer Portal\'s Bot page (see README, "Connecting Discord").';
  }
  return undefined;
}

