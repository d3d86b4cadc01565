// Voice states in the fake gateway: who sits in which voice channel (GUILD_CREATE voice_states,
// VOICE_STATE_UPDATE for users joining/leaving), and the bot's own op 4 VOICE_STATE_UPDATE answered with
// VOICE_STATE_UPDATE (its session_id) + VOICE_SERVER_UPDATE (token, endpoint "127.0.0.1:PORT") when a voice
// server is attached (tests/fakes/discord-voice). @discordjs/voice needs both before it opens the voice socket
// (dist/index.js:2355-2375); discord.js forwards VOICE_STATE_UPDATE to it only when user_id is the bot's.
import { randomBytes } from 'node:crypto';
import type { Gateway } from './gateway.ts';
import { Intent } from './gateway.ts';
import type { Json, VoiceStateRecord, World } from './state.ts';

export type { VoiceStateRecord } from './state.ts';

/** A voice server the gateway points the bot at: its endpoint, and where to register the credentials it hands out. */
export interface VoiceServerLink {
  /** host:port, no scheme. */
  endpoint: string;
  grant(g: { guildId: string; userId: string; sessionId: string; token: string }): void;
  /** A user left voice in this guild (op 13 from the voice server), or the bot was removed (close 4014). */
  userLeft?(guildId: string, userId: string): void;
}

export class VoiceStates {
  readonly #world: World;
  readonly #gateway: Gateway;
  #server: VoiceServerLink | null = null;

  constructor(world: World, gateway: Gateway) {
    this.#world = world;
    this.#gateway = gateway;
  }

  setServer(link: VoiceServerLink | null): void {
    this.#server = link;
  }

  /** Gateway op 4 from the bot: move it (channel_id) or take it out (null), then answer as Discord does. */
  onBotOp4(d: unknown, sessionId: string | null): void {
    const p = (d ?? {}) as Json;
    const guildId = String(p.guild_id ?? '');
    if (!this.#world.guilds.has(guildId)) return;
    const botId = this.#world.botUserId;
    const channelId = typeof p.channel_id === 'string' ? p.channel_id : null;
    const state = this.#set(guildId, botId, channelId, { selfMute: p.self_mute === true, selfDeaf: p.self_deaf === true });
    if (!channelId || !this.#server || !state || !sessionId) return;
    const token = randomBytes(8).toString('hex');
    this.#server.grant({ guildId, userId: botId, sessionId: state.sessionId, token });
    this.#gateway.dispatch('VOICE_SERVER_UPDATE', { token, guild_id: guildId, endpoint: this.#server.endpoint }, { sessionId });
  }

  /** A user joins (or moves to) a voice channel. */
  join(guildId: string, userId: string, channelId: string): VoiceStateRecord | undefined {
    return this.#set(guildId, userId, channelId, {});
  }

  /** A user leaves voice in a guild (the bot too: as if a moderator disconnected it). */
  leave(guildId: string, userId: string): void {
    this.#set(guildId, userId, null, {});
    this.#server?.userLeft?.(guildId, userId);
  }

  #set(guildId: string, userId: string, channelId: string | null, flags: { selfMute?: boolean; selfDeaf?: boolean }): VoiceStateRecord | undefined {
    const states = this.#world.guildVoiceStates(guildId);
    const prev = states.get(userId);
    let next: VoiceStateRecord | undefined;
    if (channelId) {
      next = { userId, channelId, sessionId: prev?.sessionId ?? randomBytes(16).toString('hex'), selfMute: flags.selfMute ?? prev?.selfMute ?? false, selfDeaf: flags.selfDeaf ?? prev?.selfDeaf ?? false };
      states.set(userId, next);
    } else states.delete(userId);
    const payload = next ? this.#world.voiceStateObject(guildId, next) : { ...this.#world.voiceStateObject(guildId, { userId, channelId: '', sessionId: prev?.sessionId ?? '', selfMute: false, selfDeaf: false }), channel_id: null };
    this.#gateway.dispatch('VOICE_STATE_UPDATE', payload, { guildId, intent: Intent.GuildVoiceStates });
    return next;
  }
}
