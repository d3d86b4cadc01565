// What a test may seed the fake with, and the default world when it seeds nothing.
// Users, roles and members may be referred to by id or by name (username / role name).

export interface UserSeed {
  id?: string;
  username: string;
  global_name?: string | null;
  bot?: boolean;
  avatar?: string | null;
}

export interface RoleSeed {
  id?: string;
  name: string;
  /** Permission bitfield as a decimal string (Discord's wire form). */
  permissions?: string;
  color?: number;
  position?: number;
  hoist?: boolean;
  mentionable?: boolean;
  managed?: boolean;
}

export interface ChannelSeed {
  id?: string;
  /** 0 text, 2 voice, 4 category, 5 announcement, 13 stage, 15 forum. Default 0. */
  type?: number;
  name: string;
  position?: number;
  /** Category id or name. */
  parent?: string | null;
  topic?: string | null;
  nsfw?: boolean;
}

export interface MemberSeed {
  /** User id or username. */
  user: string;
  /** Role ids or names (the @everyone role is implicit). */
  roles?: string[];
  nick?: string | null;
}

export interface GuildSeed {
  id?: string;
  name: string;
  /** Owner's user id or username; default the first human member. */
  owner?: string;
  roles?: RoleSeed[];
  channels?: ChannelSeed[];
  /** The bot is always a member; list the others. */
  members?: MemberSeed[];
  /** Permissions of @everyone (decimal string). */
  everyonePermissions?: string;
}

export interface DmSeed {
  id?: string;
  /** User id or username. */
  recipient: string;
}

export interface WorldSeed {
  token: string;
  applicationId: string;
  botUser: UserSeed;
  users: UserSeed[];
  guilds: GuildSeed[];
  dms: DmSeed[];
}

// Permission bits (Discord "Permissions" table).
export const Permission = {
  CreateInstantInvite: 1n << 0n,
  Administrator: 1n << 3n,
  ManageChannels: 1n << 4n,
  ManageGuild: 1n << 5n,
  AddReactions: 1n << 6n,
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  ManageMessages: 1n << 13n,
  EmbedLinks: 1n << 14n,
  AttachFiles: 1n << 15n,
  ReadMessageHistory: 1n << 16n,
  MentionEveryone: 1n << 17n,
  UseExternalEmojis: 1n << 18n,
  Connect: 1n << 20n,
  Speak: 1n << 21n,
  UseVAD: 1n << 25n,
  ChangeNickname: 1n << 26n,
  ManageRoles: 1n << 28n,
  UseApplicationCommands: 1n << 31n,
  CreatePublicThreads: 1n << 35n,
  SendMessagesInThreads: 1n << 38n,
} as const;

export const ALL_PERMISSIONS = (1n << 53n) - 1n;

export const DEFAULT_EVERYONE_PERMISSIONS = (
  Permission.CreateInstantInvite |
  Permission.AddReactions |
  Permission.ViewChannel |
  Permission.SendMessages |
  Permission.EmbedLinks |
  Permission.AttachFiles |
  Permission.ReadMessageHistory |
  Permission.UseExternalEmojis |
  Permission.Connect |
  Permission.Speak |
  Permission.UseVAD |
  Permission.ChangeNickname |
  Permission.UseApplicationCommands |
  Permission.CreatePublicThreads |
  Permission.SendMessagesInThreads
).toString();

export const DEFAULT_TOKEN = 'FAKE.discord.bot-token';

/**
 * Default world: bot "helix"; humans alice (owner, admin, on-call) and bob; guild "Helix Test Guild"
 * with roles admin / on-call / helix (the bot's managed role), category "Text Channels" with #general
 * and #alerts, voice channel "Lounge"; a DM channel between the bot and alice.
 */
export function defaultSeed(): Omit<WorldSeed, 'token' | 'applicationId'> {
  return {
    botUser: { username: 'helix', bot: true, global_name: null },
    users: [
      { username: 'alice', global_name: 'Alice' },
      { username: 'bob', global_name: 'Bob' },
    ],
    guilds: [
      {
        name: 'Helix Test Guild',
        owner: 'alice',
        roles: [
          { name: 'admin', permissions: Permission.Administrator.toString(), position: 3, hoist: true },
          { name: 'on-call', permissions: '0', position: 2, mentionable: true, color: 0xe67e22 },
          { name: 'helix', permissions: (Permission.SendMessages | Permission.ViewChannel | Permission.EmbedLinks | Permission.ReadMessageHistory | Permission.Connect | Permission.Speak).toString(), position: 1, managed: true },
        ],
        channels: [
          { name: 'Text Channels', type: 4, position: 0 },
          { name: 'general', type: 0, parent: 'Text Channels', position: 0, topic: 'General chat' },
          { name: 'alerts', type: 0, parent: 'Text Channels', position: 1, topic: 'Paging' },
          { name: 'Lounge', type: 2, position: 2 },
        ],
        members: [
          { user: 'helix', roles: ['helix'] },
          { user: 'alice', roles: ['admin', 'on-call'] },
          { user: 'bob', roles: [] },
        ],
      },
    ],
    dms: [{ recipient: 'alice' }],
  };
}
