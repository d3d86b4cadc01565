// The fake's world: users, guilds (roles, members, channels), DM channels, messages per channel and
// application commands, with builders for the API objects Discord puts on the wire.
import { randomBytes } from 'node:crypto';
import { ALL_PERMISSIONS, DEFAULT_EVERYONE_PERMISSIONS, Permission, type ChannelSeed, type WorldSeed } from './seed.ts';
import { snowflakeTimestamp, type SnowflakeGenerator } from './snowflake.ts';

export type Json = Record<string, unknown>;

export const ChannelType = {
  GuildText: 0,
  DM: 1,
  GuildVoice: 2,
  GroupDM: 3,
  GuildCategory: 4,
  GuildAnnouncement: 5,
  AnnouncementThread: 10,
  PublicThread: 11,
  PrivateThread: 12,
  GuildStageVoice: 13,
  GuildForum: 15,
} as const;

const TEXT_BASED = new Set<number>([0, 1, 2, 3, 5, 10, 11, 12, 13]);
const THREADS = new Set<number>([10, 11, 12]);

export interface UserRecord {
  id: string;
  username: string;
  global_name: string | null;
  bot: boolean;
  avatar: string | null;
}

export interface MemberRecord {
  userId: string;
  roles: string[];
  nick: string | null;
  joined_at: string;
}

export interface GuildRecord {
  id: string;
  name: string;
  owner_id: string;
  joined_at: string;
  /** Role objects by id; the @everyone role has the guild's id. */
  roles: Map<string, Json>;
  members: Map<string, MemberRecord>;
}

/** A channel object as Discord sends it (guild channels carry guild_id here; GUILD_CREATE strips it). */
export type ChannelRecord = Json & { id: string; type: number; guild_id?: string; name?: string; parent_id?: string | null };

/** A message object as the REST API returns it (no guild_id/member: the gateway adds those). */
export type MessageRecord = Json & { id: string; channel_id: string; author: Json; content: string };

/** One user in a voice channel (tests/fakes/discord/voice.ts keeps these). */
export interface VoiceStateRecord {
  userId: string;
  channelId: string;
  sessionId: string;
  selfMute: boolean;
  selfDeaf: boolean;
}

export interface CommandRecord {
  guildId: string | null;
  command: Json & { id: string; name: string; type: number };
}

export class World {
  readonly token: string;
  readonly applicationId: string;
  readonly botUserId: string;
  readonly ids: SnowflakeGenerator;
  readonly users = new Map<string, UserRecord>();
  readonly guilds = new Map<string, GuildRecord>();
  readonly channels = new Map<string, ChannelRecord>();
  /** Messages per channel, in creation order. */
  readonly messages = new Map<string, Map<string, MessageRecord>>();
  readonly commands: CommandRecord[] = [];
  /** Who is in which voice channel, per guild (tests/fakes/discord/voice.ts keeps it). */
  readonly voiceStates = new Map<string, Map<string, VoiceStateRecord>>();

  constructor(seed: WorldSeed, ids: SnowflakeGenerator) {
    this.ids = ids;
    this.token = seed.token;
    this.applicationId = seed.applicationId;
    const bot = this.addUser({ ...seed.botUser, bot: true });
    this.botUserId = bot.id;
    for (const u of seed.users) this.addUser(u);
    for (const g of seed.guilds) this.addGuild(g);
    for (const dm of seed.dms) this.ensureDm(this.requireUser(dm.recipient).id, dm.id);
  }

  // ---- users ---------------------------------------------------------------------------------
  addUser(u: { id?: string; username: string; global_name?: string | null; bot?: boolean; avatar?: string | null }): UserRecord {
    const rec: UserRecord = { id: u.id ?? this.ids.next(), username: u.username, global_name: u.global_name ?? null, bot: u.bot ?? false, avatar: u.avatar ?? null };
    this.users.set(rec.id, rec);
    return rec;
  }

  user(ref: string): UserRecord | undefined {
    return this.users.get(ref) ?? [...this.users.values()].find((u) => u.username === ref);
  }

  requireUser(ref: string): UserRecord {
    const u = this.user(ref);
    if (!u) throw new Error(`fake discord: no user ${ref}`);
    return u;
  }

  userObject(id: string): Json {
    const u = this.users.get(id);
    if (!u) return { id, username: 'unknown-user', discriminator: '0', global_name: null, avatar: null, public_flags: 0 };
    return {
      id: u.id,
      username: u.username,
      discriminator: '0',
      global_name: u.global_name,
      avatar: u.avatar,
      ...(u.bot ? { bot: true } : {}),
      public_flags: 0,
      flags: 0,
      banner: null,
      accent_color: null,
      avatar_decoration_data: null,
      collectibles: null,
      primary_guild: null,
    };
  }

  /** GET /users/@me adds account fields to the public user. */
  currentUserObject(): Json {
    return { ...this.userObject(this.botUserId), verified: true, mfa_enabled: false, locale: 'en-US', email: null, premium_type: 0 };
  }

  // ---- guilds, roles, members ----------------------------------------------------------------
  addGuild(seed: WorldSeed['guilds'][number]): GuildRecord {
    const id = seed.id ?? this.ids.next();
    const roles = new Map<string, Json>();
    roles.set(id, roleObject({ id, name: '@everyone', permissions: seed.everyonePermissions ?? DEFAULT_EVERYONE_PERMISSIONS, position: 0 }));
    for (const r of seed.roles ?? []) {
      const rid = r.id ?? this.ids.next();
      const tags = r.managed && r.name ? this.managedRoleTags(r.name) : undefined;
      roles.set(rid, roleObject({ ...r, id: rid, ...(tags ? { tags } : {}) }));
    }
    const g: GuildRecord = { id, name: seed.name, owner_id: '', joined_at: new Date().toISOString(), roles, members: new Map() };
    this.guilds.set(id, g);
    const roleId = (ref: string): string => {
      const hit = roles.get(ref) ?? [...roles.values()].find((r) => r.name === ref);
      if (!hit) throw new Error(`fake discord: guild ${seed.name} has no role ${ref}`);
      return hit.id as string;
    };
    const memberSeeds = [...(seed.members ?? [])];
    if (!memberSeeds.some((m) => this.user(m.user)?.id === this.botUserId)) memberSeeds.unshift({ user: this.botUserId });
    for (const m of memberSeeds) {
      const u = this.requireUser(m.user);
      g.members.set(u.id, { userId: u.id, roles: (m.roles ?? []).map(roleId), nick: m.nick ?? null, joined_at: new Date().toISOString() });
    }
    const owner = seed.owner ? this.requireUser(seed.owner).id : [...g.members.keys()].find((uid) => !this.users.get(uid)?.bot) ?? this.botUserId;
    g.owner_id = owner;
    const byName = new Map<string, string>();
    // Categories first so children can point at them by name.
    const channelSeeds = [...(seed.channels ?? [])].sort((a, b) => Number((b.type ?? 0) === 4) - Number((a.type ?? 0) === 4));
    for (const c of channelSeeds) {
      const ch = this.addGuildChannel(id, c, byName);
      if (ch.name) byName.set(ch.name, ch.id);
    }
    return g;
  }

  private managedRoleTags(name: string): Json | undefined {
    // The bot's integration role carries tags.bot_id (Discord creates it when the bot joins).
    return name === this.users.get(this.botUserId)?.username ? { bot_id: this.botUserId } : undefined;
  }

  addGuildChannel(guildId: string, c: ChannelSeed, byName = new Map<string, string>()): ChannelRecord {
    const type = c.type ?? ChannelType.GuildText;
    const parent = c.parent ? (this.channels.has(c.parent) ? c.parent : byName.get(c.parent) ?? null) : null;
    const base: ChannelRecord = {
      id: c.id ?? this.ids.next(),
      type,
      guild_id: guildId,
      name: c.name,
      position: c.position ?? 0,
      permission_overwrites: [],
      parent_id: parent,
      flags: 0,
    };
    if (type === ChannelType.GuildVoice || type === ChannelType.GuildStageVoice) {
      Object.assign(base, { bitrate: 64000, user_limit: 0, rtc_region: null, nsfw: false, rate_limit_per_user: 0, last_message_id: null, video_quality_mode: 1 });
    } else if (type !== ChannelType.GuildCategory) {
      Object.assign(base, { topic: c.topic ?? null, nsfw: c.nsfw ?? false, rate_limit_per_user: 0, last_message_id: null, last_pin_timestamp: null, default_thread_rate_limit_per_user: 0 });
    }
    this.channels.set(base.id, base);
    return base;
  }

  guild(ref?: string): GuildRecord | undefined {
    if (ref === undefined) return this.guilds.values().next().value;
    return this.guilds.get(ref) ?? [...this.guilds.values()].find((g) => g.name === ref);
  }

  role(ref: string, guildId?: string): Json | undefined {
    for (const g of guildId ? [this.guilds.get(guildId)] : this.guilds.values()) {
      if (!g) continue;
      const hit = g.roles.get(ref) ?? [...g.roles.values()].find((r) => r.name === ref);
      if (hit) return hit;
    }
    return undefined;
  }

  permissionsOf(guildId: string, userId: string): bigint {
    const g = this.guilds.get(guildId);
    if (!g) return 0n;
    if (g.owner_id === userId) return ALL_PERMISSIONS;
    const m = g.members.get(userId);
    let perms = BigInt((g.roles.get(g.id)?.permissions as string | undefined) ?? '0');
    for (const rid of m?.roles ?? []) perms |= BigInt((g.roles.get(rid)?.permissions as string | undefined) ?? '0');
    return perms & Permission.Administrator ? ALL_PERMISSIONS : perms;
  }

  /** A guild member object; Discord omits `user` inside MESSAGE_CREATE's member and mentions. */
  memberObject(guildId: string, userId: string, opts: { withUser?: boolean; withPermissions?: boolean } = {}): Json | undefined {
    const m = this.guilds.get(guildId)?.members.get(userId);
    if (!m) return undefined;
    return {
      ...(opts.withUser === false ? {} : { user: this.userObject(userId) }),
      nick: m.nick,
      avatar: null,
      banner: null,
      roles: [...m.roles],
      joined_at: m.joined_at,
      premium_since: null,
      deaf: false,
      mute: false,
      flags: 0,
      pending: false,
      communication_disabled_until: null,
      ...(opts.withPermissions ? { permissions: this.permissionsOf(guildId, userId).toString() } : {}),
    };
  }

  /** The full GUILD_CREATE payload for a guild; `allMembers` false mimics a session without GUILD_PRESENCES. */
  guildCreateObject(guildId: string, allMembers: boolean): Json {
    const g = this.guilds.get(guildId);
    if (!g) throw new Error(`fake discord: no guild ${guildId}`);
    const channels = [...this.channels.values()].filter((c) => c.guild_id === g.id);
    const voice = [...this.guildVoiceStates(g.id).values()];
    const memberIds = allMembers ? [...g.members.keys()] : [...new Set([this.botUserId, ...voice.map((v) => v.userId)])];
    return {
      ...this.guildObject(g),
      joined_at: g.joined_at,
      large: false,
      unavailable: false,
      member_count: g.members.size,
      // In GUILD_CREATE voice states come without guild_id (and member).
      voice_states: voice.map((v) => {
        const { guild_id: _g, member: _m, ...rest } = this.voiceStateObject(g.id, v);
        return rest;
      }),
      members: memberIds.map((uid) => this.memberObject(g.id, uid)).filter(Boolean),
      // In GUILD_CREATE channels and threads come without guild_id.
      channels: channels.filter((c) => !THREADS.has(c.type)).map(({ guild_id: _g, ...rest }) => rest),
      threads: channels.filter((c) => THREADS.has(c.type) && !(c.thread_metadata as Json | undefined)?.archived).map(({ guild_id: _g, ...rest }) => rest),
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
      embedded_activities: [],
    };
  }

  guildVoiceStates(guildId: string): Map<string, VoiceStateRecord> {
    let m = this.voiceStates.get(guildId);
    if (!m) this.voiceStates.set(guildId, (m = new Map()));
    return m;
  }

  /** A voice state object as VOICE_STATE_UPDATE carries it. @see https://discord.com/developers/docs/resources/voice#voice-state-object */
  voiceStateObject(guildId: string, v: VoiceStateRecord): Json {
    const member = this.memberObject(guildId, v.userId);
    return {
      guild_id: guildId,
      channel_id: v.channelId,
      user_id: v.userId,
      ...(member ? { member } : {}),
      session_id: v.sessionId,
      deaf: false,
      mute: false,
      self_deaf: v.selfDeaf,
      self_mute: v.selfMute,
      self_video: false,
      suppress: false,
      request_to_speak_timestamp: null,
    };
  }

  /** The guild object as GET /guilds/:id returns it. */
  guildObject(g: GuildRecord): Json {
    return {
      id: g.id,
      name: g.name,
      icon: null,
      splash: null,
      discovery_splash: null,
      banner: null,
      description: null,
      owner_id: g.owner_id,
      region: 'deprecated',
      afk_channel_id: null,
      afk_timeout: 300,
      widget_enabled: false,
      widget_channel_id: null,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: [...g.roles.values()],
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: 0,
      application_id: null,
      system_channel_id: [...this.channels.values()].find((c) => c.guild_id === g.id && c.type === 0)?.id ?? null,
      system_channel_flags: 0,
      rules_channel_id: null,
      public_updates_channel_id: null,
      safety_alerts_channel_id: null,
      max_presences: null,
      max_members: 500000,
      max_video_channel_users: 25,
      max_stage_video_channel_users: 50,
      vanity_url_code: null,
      premium_tier: 0,
      premium_subscription_count: 0,
      premium_progress_bar_enabled: false,
      preferred_locale: 'en-US',
      nsfw_level: 0,
      nsfw: false,
      incidents_data: null,
    };
  }

  // ---- channels --------------------------------------------------------------------------------
  /** By id, by name (first match across guilds), or "@username" for the DM channel with that user. */
  channel(ref: string): ChannelRecord | undefined {
    if (ref.startsWith('@')) {
      const u = this.user(ref.slice(1));
      return u ? [...this.channels.values()].find((c) => c.type === ChannelType.DM && (c.recipients as Json[])[0]?.id === u.id) : undefined;
    }
    return this.channels.get(ref) ?? [...this.channels.values()].find((c) => c.name === ref);
  }

  requireChannel(ref: string): ChannelRecord {
    const c = this.channel(ref);
    if (!c) throw new Error(`fake discord: no channel ${ref}`);
    return c;
  }

  isTextBased(c: ChannelRecord): boolean {
    return TEXT_BASED.has(c.type);
  }

  isThread(c: ChannelRecord): boolean {
    return THREADS.has(c.type);
  }

  ensureDm(userId: string, id?: string): ChannelRecord {
    const existing = [...this.channels.values()].find((c) => c.type === ChannelType.DM && (c.recipients as Json[])[0]?.id === userId);
    if (existing) return existing;
    const dm: ChannelRecord = { id: id ?? this.ids.next(), type: ChannelType.DM, last_message_id: null, flags: 0, recipients: [this.userObject(userId)] };
    this.channels.set(dm.id, dm);
    return dm;
  }

  /** A thread channel object (type 11 public by default) under a text channel. */
  addThread(opts: { parentId: string; name: string; ownerId: string; type?: number; id?: string; autoArchiveMinutes?: number }): ChannelRecord {
    const parent = this.channels.get(opts.parentId);
    if (!parent?.guild_id) throw new Error(`fake discord: thread parent ${opts.parentId} is not a guild channel`);
    const thread: ChannelRecord = {
      id: opts.id ?? this.ids.next(),
      type: opts.type ?? ChannelType.PublicThread,
      guild_id: parent.guild_id,
      parent_id: parent.id,
      owner_id: opts.ownerId,
      name: opts.name,
      last_message_id: null,
      rate_limit_per_user: 0,
      message_count: 0,
      member_count: 1,
      total_message_sent: 0,
      flags: 0,
      thread_metadata: {
        archived: false,
        auto_archive_duration: opts.autoArchiveMinutes ?? 4320,
        archive_timestamp: new Date().toISOString(),
        locked: false,
        create_timestamp: new Date().toISOString(),
        ...(opts.type === ChannelType.PrivateThread ? { invitable: true } : {}),
      },
      member: { id: opts.ownerId, user_id: opts.ownerId, join_timestamp: new Date().toISOString(), flags: 0 },
    };
    this.channels.set(thread.id, thread);
    return thread;
  }

  // ---- messages ----------------------------------------------------------------------------------
  channelMessages(channelId: string): Map<string, MessageRecord> {
    let m = this.messages.get(channelId);
    if (!m) this.messages.set(channelId, (m = new Map()));
    return m;
  }

  storeMessage(msg: MessageRecord): void {
    this.channelMessages(msg.channel_id).set(msg.id, msg);
    const ch = this.channels.get(msg.channel_id);
    if (ch) {
      ch.last_message_id = msg.id;
      if (this.isThread(ch)) {
        ch.message_count = (ch.message_count as number) + 1;
        ch.total_message_sent = (ch.total_message_sent as number) + 1;
      }
    }
  }

  message(channelId: string, messageId: string): MessageRecord | undefined {
    return this.messages.get(channelId)?.get(messageId);
  }

  findMessage(messageId: string): MessageRecord | undefined {
    for (const m of this.messages.values()) {
      const hit = m.get(messageId);
      if (hit) return hit;
    }
    return undefined;
  }

  // ---- interactions' tokens ------------------------------------------------------------------------
  interactionToken(interactionId: string): string {
    return Buffer.from(`interaction:${interactionId}:${randomBytes(48).toString('base64url')}`).toString('base64url');
  }

  createdAtIso(id: string): string {
    return new Date(snowflakeTimestamp(id)).toISOString();
  }
}

export function roleObject(r: { id: string; name: string; permissions?: string; color?: number; position?: number; hoist?: boolean; mentionable?: boolean; managed?: boolean; tags?: Json }): Json {
  return {
    id: r.id,
    name: r.name,
    description: null,
    color: r.color ?? 0,
    colors: { primary_color: r.color ?? 0, secondary_color: null, tertiary_color: null },
    hoist: r.hoist ?? false,
    icon: null,
    unicode_emoji: null,
    position: r.position ?? 0,
    permissions: r.permissions ?? '0',
    managed: r.managed ?? false,
    mentionable: r.mentionable ?? false,
    flags: 0,
    ...(r.tags ? { tags: r.tags } : {}),
  };
}
