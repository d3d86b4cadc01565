// The voice channels Helix is in, one per guild: /join and /leave (answered by the bot itself, never queued
// for the brain), leaving once no human is left, and the 'session' event the audio pipeline attaches to.
import { EventEmitter } from 'node:events';
import { VoiceConnectionStatus, entersState, joinVoiceChannel } from '@discordjs/voice';
import { Events, Routes, type Client, type VoiceState } from 'discord.js';
import { z } from 'zod';
import { HelixError, type Logger } from '../../../mesh/index.ts';
import { EPHEMERAL_FLAG } from '../limits.ts';
import type { VoiceMetrics } from './voice-metrics.ts';
import { DiscordVoiceSession, type VoiceSession } from './voice-session.ts';

export interface VoiceChannelsOptions {
  client: Client;
  log: Logger;
  metrics: VoiceMetrics;
  /** Stay this long in a channel after the last human left. @defaultValue `30000` */
  leaveWhenEmptyMs: number;
  /** Longest a join may take to reach Ready. @defaultValue `15000` */
  joinTimeoutMs: number;
}

/** What people read after /join and /leave (ephemeral). */
export const VOICE_REPLIES = {
  notInVoice: "You're not in a voice channel. Join one, then use /join and I'll come to you.",
  joined: (channelId: string) => `I'm here in <#${channelId}>. Talk to me!`,
  joinFailed: (channelId: string) => `I couldn't connect to <#${channelId}> just now. Please try /join again in a moment.`,
  left: (channelId: string) => `I left <#${channelId}>. Bye for now!`,
  notJoined: "I'm not in a voice channel here.",
  guildOnly: 'Voice works in servers only.',
} as const;

/** The part of an INTERACTION_CREATE that /join and /leave need. */
const VoiceCommand = z.object({
  id: z.string(),
  token: z.string(),
  application_id: z.string(),
  type: z.literal(2),
  guild_id: z.string().optional(),
  data: z.object({ name: z.enum(['join', 'leave']) }),
  member: z.object({ user: z.object({ id: z.string() }) }).optional(),
  user: z.object({ id: z.string() }).optional(),
});

/** Interaction callback types. @see https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-interaction-callback-type */
const Callback = { Reply: 4, Defer: 5 } as const;

interface VoiceChannelsEvents {
  /** A session started (before it is Ready, so listeners see its first packet); it emits 'closed' when it ends. */
  session: [session: VoiceSession];
}

/** Helix's voice presence across guilds. `close()` leaves every channel; safe to call twice. */
export class VoiceChannels extends EventEmitter<VoiceChannelsEvents> {
  readonly #opts: VoiceChannelsOptions;
  readonly #sessions = new Map<string, DiscordVoiceSession>();
  readonly #emptyTimers = new Map<string, NodeJS.Timeout>();
  readonly #onVoiceState = (oldState: VoiceState, newState: VoiceState) => this.#voiceStateChanged(oldState, newState);
  #closing: Promise<void> | undefined;

  constructor(opts: VoiceChannelsOptions) {
    super();
    this.#opts = opts;
    opts.client.on(Events.VoiceStateUpdate, this.#onVoiceState);
  }

  /** The session of a guild, if Helix is in (or joining) one of its voice channels. */
  session(guildId: string): VoiceSession | undefined {
    return this.#sessions.get(guildId);
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** Joins (or stays in) a voice channel and resolves once the connection is Ready; throws `discord_voice_join_failed`. */
  async join(guildId: string, channelId: string): Promise<VoiceSession> {
    const { client, log, metrics } = this.#opts;
    if (this.#closing) throw new HelixError('discord_voice_join_failed', 'The Discord bot is shutting down; not joining voice.');
    const existing = this.#sessions.get(guildId);
    if (existing && existing.channelId === channelId && existing.state !== 'closed') {
      // Already there (or on the way): answer once it is ready, like a fresh join.
      await entersState(existing.connection, VoiceConnectionStatus.Ready, this.#opts.joinTimeoutMs).catch((cause: unknown) => {
        throw new HelixError('discord_voice_join_failed', `The voice connection to channel ${channelId} was not ready within ${this.#opts.joinTimeoutMs} ms.`, { cause });
      });
      return existing;
    }
    if (existing) await existing.close('moved');
    const guild = client.guilds.cache.get(guildId);
    if (!guild) throw new HelixError('discord_voice_join_failed', `Guild ${guildId} is not in the client's cache; is the bot still a member?`);
    const connection = joinVoiceChannel({
      guildId,
      channelId,
      adapterCreator: guild.voiceAdapterCreator,
      // Deafened bots receive no audio (selfDeaf defaults to true in @discordjs/voice).
      selfDeaf: false,
      selfMute: false,
      // daveEncryption stays at its default (true): Discord closes non-DAVE clients with 4017 since 2026-03-02.
    });
    const session = new DiscordVoiceSession({ connection, guildId, channelId, botUserId: client.user?.id ?? '', log, metrics });
    this.#sessions.set(guildId, session);
    session.on('closed', (reason) => {
      if (this.#sessions.get(guildId) === session) this.#sessions.delete(guildId);
      this.#clearEmptyTimer(guildId);
      log.info({ guild_id: guildId, channel_id: channelId, reason }, 'left voice channel');
    });
    this.emit('session', session);
    try {
      await entersState(connection, VoiceConnectionStatus.Ready, this.#opts.joinTimeoutMs);
    } catch (cause) {
      metrics.joins.inc({ outcome: 'timeout' });
      await session.close('join_failed');
      throw new HelixError('discord_voice_join_failed', `The voice connection to channel ${channelId} was not ready within ${this.#opts.joinTimeoutMs} ms; check the bot's Connect permission and that UDP to Discord is allowed.`, { cause });
    }
    metrics.joins.inc({ outcome: 'ready' });
    log.info({ guild_id: guildId, channel_id: channelId }, 'joined voice channel');
    this.#checkEmpty(guildId);
    return session;
  }

  /** Leaves the guild's voice channel; false when Helix was not in one. */
  async leave(guildId: string, reason = 'left'): Promise<boolean> {
    const session = this.#sessions.get(guildId);
    if (!session) return false;
    await session.close(reason);
    return true;
  }

  /** True for a raw INTERACTION_CREATE that is /join or /leave (the bot answers those itself). */
  isVoiceCommand(raw: unknown): boolean {
    const r = raw as { type?: unknown; data?: { name?: unknown } } | null;
    return r?.type === 2 && (r.data?.name === 'join' || r.data?.name === 'leave');
  }

  /** Handles /join or /leave from a raw INTERACTION_CREATE; never throws. */
  async handleInteraction(raw: unknown): Promise<void> {
    const { client, log, metrics } = this.#opts;
    const parsed = VoiceCommand.safeParse(raw);
    if (!parsed.success) {
      log.warn({ err: z.prettifyError(parsed.error).slice(0, 300) }, 'voice command skipped: could not be read');
      return;
    }
    const i = parsed.data;
    const reply = (content: string) => client.rest.post(Routes.interactionCallback(i.id, i.token), { body: { type: Callback.Reply, data: { content, flags: EPHEMERAL_FLAG } }, auth: false });
    try {
      const userId = i.member?.user.id ?? i.user?.id;
      if (!i.guild_id || !userId) return void (await reply(VOICE_REPLIES.guildOnly));
      const guildId = i.guild_id;
      if (i.data.name === 'leave') {
        const session = this.#sessions.get(guildId);
        if (!session) return void (await reply(VOICE_REPLIES.notJoined));
        await this.leave(guildId, 'left');
        await reply(VOICE_REPLIES.left(session.channelId));
        return;
      }
      const channelId = client.guilds.cache.get(guildId)?.voiceStates.cache.get(userId)?.channelId;
      if (!channelId) {
        metrics.joins.inc({ outcome: 'not_in_voice' });
        await reply(VOICE_REPLIES.notInVoice);
        return;
      }
      // Joining can outlast the 3 s answer window: defer, then edit the answer in place.
      await client.rest.post(Routes.interactionCallback(i.id, i.token), { body: { type: Callback.Defer, data: { flags: EPHEMERAL_FLAG } }, auth: false });
      let content: string;
      try {
        await this.join(guildId, channelId);
        content = VOICE_REPLIES.joined(channelId);
      } catch (err) {
        log.warn({ guild_id: guildId, channel_id: channelId, code: (err as HelixError).code, err: (err as Error).message }, 'voice join failed');
        content = VOICE_REPLIES.joinFailed(channelId);
      }
      await client.rest.patch(Routes.webhookMessage(i.application_id, i.token, '@original'), { body: { content }, auth: false });
    } catch (err) {
      log.warn({ interaction_id: i.id, command: i.data.name, err: (err as Error).message }, 'voice command could not be answered');
    }
  }

  // ---- leave when empty ------------------------------------------------------------------------------------------
  #voiceStateChanged(oldState: VoiceState, newState: VoiceState): void {
    const guildId = newState.guild.id;
    const session = this.#sessions.get(guildId);
    if (!session) return;
    const botId = this.#opts.client.user?.id;
    if (newState.id === botId) {
      // Disconnected by a moderator (or Discord): the voice server would close with 4014; end the session now.
      if (!newState.channelId && session.state !== 'connecting') void session.close('disconnected');
      else if (newState.channelId && newState.channelId !== session.channelId) {
        session.movedTo(newState.channelId);
        this.#checkEmpty(guildId);
      }
      return;
    }
    if (oldState.channelId === session.channelId && newState.channelId !== session.channelId) session.speakerLeft(newState.id);
    this.#checkEmpty(guildId);
  }

  #humansIn(guildId: string, channelId: string): number {
    const { client } = this.#opts;
    const guild = client.guilds.cache.get(guildId);
    if (!guild) return 0;
    return guild.voiceStates.cache.filter((vs) => vs.channelId === channelId && vs.id !== client.user?.id && !(vs.member?.user.bot ?? client.users.cache.get(vs.id)?.bot ?? false)).size;
  }

  #checkEmpty(guildId: string): void {
    const session = this.#sessions.get(guildId);
    if (!session) return;
    if (this.#humansIn(guildId, session.channelId) > 0) return this.#clearEmptyTimer(guildId);
    if (this.#emptyTimers.has(guildId)) return;
    this.#opts.log.info({ guild_id: guildId, channel_id: session.channelId, leave_in_ms: this.#opts.leaveWhenEmptyMs }, 'no human left in the voice channel');
    const timer = setTimeout(() => {
      this.#emptyTimers.delete(guildId);
      if (this.#sessions.get(guildId) === session && this.#humansIn(guildId, session.channelId) === 0) void session.close('empty_channel');
    }, this.#opts.leaveWhenEmptyMs);
    timer.unref();
    this.#emptyTimers.set(guildId, timer);
  }

  #clearEmptyTimer(guildId: string): void {
    const t = this.#emptyTimers.get(guildId);
    if (t) clearTimeout(t);
    this.#emptyTimers.delete(guildId);
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#opts.client.off(Events.VoiceStateUpdate, this.#onVoiceState);
      for (const t of this.#emptyTimers.values()) clearTimeout(t);
      this.#emptyTimers.clear();
      await Promise.all([...this.#sessions.values()].map((s) => s.close('shutdown')));
    })();
    return this.#closing;
  }
}
