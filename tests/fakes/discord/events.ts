// What users "do" in the fake: post messages, click buttons, run slash commands, open threads,
// change roles. Each builds the payload Discord would dispatch and sends it through the gateway.
import type { FakeContext, InteractionState } from './context.ts';
import { Intent } from './gateway.ts';
import { buildMessage } from './messages.ts';
import type { InteractionEvent } from './recorder.ts';
import { ChannelType, type ChannelRecord, type Json, type MessageRecord } from './state.ts';

export interface FileInput {
  filename: string;
  data: Buffer | string;
  contentType?: string;
}

export interface SendMessageInput {
  /** Channel id, name, or "@username" for the bot's DM with that user. Default: the first guild text channel. */
  channelId?: string;
  /** User id or username. Default: the first human user (alice in the default world). */
  author?: string;
  content?: string;
  /** Mentioned users (ids or names) on top of those parsed from `<@id>` in content. */
  mentions?: string[];
  /** Mentioned roles (ids or names) on top of `<@&id>` in content. */
  mentionRoles?: string[];
  mentionEveryone?: boolean;
  /** Id of the message this one replies to (type 19 with message_reference + referenced_message). */
  referencedMessage?: string | { id: string };
  embeds?: Json[];
  components?: Json[];
  attachments?: FileInput[];
  type?: number;
  flags?: number;
  tts?: boolean;
}

export interface SendInteractionInput {
  /** 2 application command, 3 message component, 4 autocomplete, 5 modal submit. */
  type: 2 | 3 | 4 | 5;
  /** The invoking user (id or name). Default: the first human user. */
  user?: string;
  /** Channel id/name/"@username". Default: the source message's channel, else the first guild text channel. */
  channelId?: string;
  /** type 2/4: command name (looked up among registered commands for data.id). */
  commandName?: string;
  /** 1 chat input (default), 2 user, 3 message context menu. */
  commandType?: number;
  options?: Json[];
  targetId?: string;
  /** type 3/5: custom_id. */
  customId?: string;
  /** type 3: 2 button (default), 3 string select, 5 user select... */
  componentType?: number;
  values?: string[];
  /** type 3: the message holding the component. Default: the newest message in the channel with components. */
  messageId?: string;
  /** type 5: submitted modal rows. */
  components?: Json[];
  locale?: string;
}

export interface InteractionHandle {
  id: string;
  token: string;
  payload: Json;
  /** Date.now() when INTERACTION_CREATE was dispatched (the 3 s window starts here). */
  dispatchedAt: number;
  /** Callback and webhook calls the bot made for this interaction, in order. */
  events(): InteractionEvent[];
  /** Resolves with the first callback (reply/defer/update...), successful or not. */
  waitForCallback(timeoutMs?: number): Promise<InteractionEvent>;
  waitFor(kind: InteractionEvent['kind'], timeoutMs?: number): Promise<InteractionEvent>;
}

export class UserActions {
  private readonly ctx: FakeContext;

  constructor(ctx: FakeContext) {
    this.ctx = ctx;
  }

  private firstHuman(): string {
    const u = [...this.ctx.world.users.values()].find((x) => !x.bot);
    if (!u) throw new Error('fake discord: no human user seeded');
    return u.id;
  }

  private defaultTextChannel(): ChannelRecord {
    const c = [...this.ctx.world.channels.values()].find((x) => x.guild_id && x.type === ChannelType.GuildText);
    if (!c) throw new Error('fake discord: no guild text channel seeded');
    return c;
  }

  sendMessage(input: SendMessageInput = {}): MessageRecord {
    const { world } = this.ctx;
    const channel = input.channelId ? world.requireChannel(input.channelId) : this.defaultTextChannel();
    const authorId = input.author ? world.requireUser(input.author).id : this.firstHuman();
    if (channel.guild_id && !world.guilds.get(channel.guild_id)?.members.has(authorId)) {
      throw new Error(`fake discord: ${authorId} is not a member of guild ${channel.guild_id}`);
    }
    if (channel.type === ChannelType.DM && (channel.recipients as Json[])[0]?.id !== authorId && authorId !== world.botUserId) {
      throw new Error(`fake discord: ${authorId} is not the recipient of DM channel ${channel.id}`);
    }
    const refId = typeof input.referencedMessage === 'string' ? input.referencedMessage : input.referencedMessage?.id;
    if (refId && !world.message(channel.id, refId)) throw new Error(`fake discord: no message ${refId} in channel ${channel.id}`);
    const files = (input.attachments ?? []).map((f, i) => ({ field: `files[${i}]`, filename: f.filename, contentType: f.contentType ?? 'application/octet-stream', data: Buffer.isBuffer(f.data) ? f.data : Buffer.from(f.data) }));
    const msg = buildMessage(world, {
      channelId: channel.id,
      authorId,
      content: input.content ?? '',
      embeds: input.embeds,
      components: input.components,
      attachments: this.ctx.storeAttachments(channel.id, files, undefined),
      reference: refId ? { message_id: refId, channel_id: channel.id } : undefined,
      mentions: input.mentions,
      mentionRoles: input.mentionRoles,
      mentionEveryone: input.mentionEveryone,
      type: input.type,
      flags: input.flags,
      tts: input.tts,
    });
    return this.ctx.publishCreate(msg, 'fake');
  }

  /** A user edits their message: MESSAGE_UPDATE with the new content. */
  editMessage(channelId: string, messageId: string, content: string): MessageRecord {
    const { world } = this.ctx;
    const channel = world.requireChannel(channelId);
    const msg = world.message(channel.id, messageId);
    if (!msg) throw new Error(`fake discord: no message ${messageId}`);
    const rebuilt = buildMessage(world, { channelId: channel.id, authorId: msg.author.id as string, content });
    return this.ctx.publishEdit({ ...msg, content, mentions: rebuilt.mentions, mention_roles: rebuilt.mention_roles, edited_timestamp: new Date().toISOString() }, 'fake');
  }

  sendInteraction(input: SendInteractionInput): InteractionHandle {
    const { world, gateway } = this.ctx;
    const source = input.type === 3 ? this.sourceMessage(input) : undefined;
    const channel = input.channelId ? world.requireChannel(input.channelId) : source ? world.requireChannel(source.channel_id) : this.defaultTextChannel();
    const userId = input.user ? world.requireUser(input.user).id : channel.type === ChannelType.DM ? ((channel.recipients as Json[])[0]!.id as string) : this.firstHuman();
    const guildId = channel.guild_id ?? null;
    const id = world.ids.next();
    const token = world.interactionToken(id);

    const payload: Json = {
      id,
      application_id: world.applicationId,
      type: input.type,
      data: this.interactionData(input, guildId, source),
      ...(guildId
        ? {
            guild_id: guildId,
            guild: { id: guildId, locale: 'en-US', features: [] },
            member: world.memberObject(guildId, userId, { withPermissions: true }),
            guild_locale: 'en-US',
          }
        : { user: world.userObject(userId) }),
      channel: { ...channel, ...(guildId ? { permissions: world.permissionsOf(guildId, world.botUserId).toString() } : {}) },
      channel_id: channel.id,
      token,
      version: 1,
      app_permissions: guildId ? world.permissionsOf(guildId, world.botUserId).toString() : '0',
      locale: input.locale ?? 'en-US',
      entitlements: [],
      authorizing_integration_owners: guildId ? { '0': guildId } : { '1': userId },
      context: guildId ? 0 : 1,
      attachment_size_limit: 10 * 1024 * 1024,
      ...(source ? { message: source } : {}),
    };
    if (guildId && !payload.member) throw new Error(`fake discord: ${userId} is not a member of guild ${guildId}`);

    const state: InteractionState = {
      id,
      token,
      type: input.type,
      payload,
      dispatchedAt: Date.now(),
      channelId: channel.id,
      guildId,
      ack: null,
      originalMessageId: null,
      sourceMessageId: source?.id ?? null,
      deferredPlaceholder: false,
      messageIds: [],
    };
    this.ctx.interactions.set(id, state);
    gateway.dispatch('INTERACTION_CREATE', payload, { guildId: guildId ?? undefined });

    const rec = this.ctx.rec;
    return {
      id,
      token,
      payload,
      dispatchedAt: state.dispatchedAt,
      events: () => rec.records.interactions.filter((e) => e.interactionId === id),
      waitForCallback: (timeoutMs = 5000) => rec.waitFor('interactions', (e) => e.interactionId === id && e.kind === 'callback', timeoutMs),
      waitFor: (kind, timeoutMs = 5000) => rec.waitFor('interactions', (e) => e.interactionId === id && e.kind === kind, timeoutMs),
    };
  }

  private sourceMessage(input: SendInteractionInput): MessageRecord {
    const { world } = this.ctx;
    if (input.messageId) {
      const m = input.channelId ? world.message(world.requireChannel(input.channelId).id, input.messageId) : world.findMessage(input.messageId);
      if (!m) throw new Error(`fake discord: no message ${input.messageId}`);
      return m;
    }
    const pool = input.channelId ? [world.channelMessages(world.requireChannel(input.channelId).id)] : [...world.messages.values()];
    let newest: MessageRecord | undefined;
    for (const channelMessages of pool) {
      for (const m of channelMessages.values()) {
        if ((m.components as Json[]).length && (!newest || BigInt(m.id) > BigInt(newest.id))) newest = m;
      }
    }
    if (!newest) throw new Error('fake discord: no message with components to click; pass messageId');
    return newest;
  }

  private interactionData(input: SendInteractionInput, guildId: string | null, source: MessageRecord | undefined): Json {
    const { world } = this.ctx;
    if (input.type === 3) {
      const componentType = input.componentType ?? 2;
      const customId = input.customId ?? findFirstCustomId(source);
      return { custom_id: customId, component_type: componentType, ...(componentType !== 2 ? { values: input.values ?? [] } : {}) };
    }
    if (input.type === 5) return { custom_id: input.customId ?? 'modal', components: input.components ?? [] };
    const name = input.commandName ?? 'ping';
    const type = input.commandType ?? 1;
    const registered =
      world.commands.find((c) => c.guildId === guildId && c.command.name === name && c.command.type === type) ??
      world.commands.find((c) => c.guildId === null && c.command.name === name && c.command.type === type);
    const data: Json = { id: registered?.command.id ?? world.ids.next(), name, type, ...(registered?.guildId ? { guild_id: registered.guildId } : {}) };
    if (input.options) data.options = input.options;
    if (input.targetId) data.target_id = input.targetId;
    const resolved = this.resolved(input, guildId);
    if (resolved) data.resolved = resolved;
    return data;
  }

  /** resolved users/members/roles/channels/messages for user (6), channel (7), role (8), mentionable (9) options and context menus. */
  private resolved(input: SendInteractionInput, guildId: string | null): Json | undefined {
    const { world } = this.ctx;
    const users: Json = {};
    const members: Json = {};
    const roles: Json = {};
    const channels: Json = {};
    const messages: Json = {};
    const addUser = (id: string) => {
      if (!world.users.has(id)) return;
      users[id] = world.userObject(id);
      const m = guildId ? world.memberObject(guildId, id, { withUser: false, withPermissions: true }) : undefined;
      if (m) members[id] = m;
    };
    const walk = (opts: Json[]) => {
      for (const o of opts) {
        const v = String(o.value ?? '');
        if (o.type === 6) addUser(v);
        if (o.type === 8 || o.type === 9) {
          const r = world.role(v, guildId ?? undefined);
          if (r) roles[v] = r;
          else if (o.type === 9) addUser(v);
        }
        if (o.type === 7) {
          const c = world.channels.get(v);
          if (c) channels[v] = { id: c.id, name: c.name, type: c.type, permissions: guildId ? world.permissionsOf(guildId, world.botUserId).toString() : '0', ...(c.parent_id ? { parent_id: c.parent_id } : {}) };
        }
        if (Array.isArray(o.options)) walk(o.options as Json[]);
      }
    };
    walk(input.options ?? []);
    if (input.targetId && input.commandType === 2) addUser(input.targetId);
    if (input.targetId && input.commandType === 3) {
      const m = world.findMessage(input.targetId);
      if (m) messages[m.id] = m;
    }
    const out: Json = {};
    for (const [k, v] of Object.entries({ users, members, roles, channels, messages })) if (Object.keys(v).length) out[k] = v;
    return Object.keys(out).length ? out : undefined;
  }

  /** A user opens a thread (THREAD_CREATE); from a message when `messageId` is given. */
  createThread(input: { parentId?: string; name: string; owner?: string; type?: number; messageId?: string }): ChannelRecord {
    const { world } = this.ctx;
    const parent = input.parentId ? world.requireChannel(input.parentId) : this.defaultTextChannel();
    const ownerId = input.owner ? world.requireUser(input.owner).id : this.firstHuman();
    const thread = world.addThread({ parentId: parent.id, name: input.name, ownerId, type: input.type, id: input.messageId });
    if (input.messageId) {
      const msg = world.message(parent.id, input.messageId);
      if (msg) world.channelMessages(parent.id).set(msg.id, { ...msg, thread, flags: (msg.flags as number) | (1 << 5) });
    }
    this.ctx.gateway.dispatch('THREAD_CREATE', { ...thread, newly_created: true }, { guildId: thread.guild_id, intent: Intent.Guilds });
    return thread;
  }

  /** Replace a member's roles (ids or names): GUILD_MEMBER_UPDATE (needs the GuildMembers intent to arrive). */
  setMemberRoles(user: string, roles: string[], guildRef?: string): Json {
    const { world } = this.ctx;
    const g = world.guild(guildRef);
    if (!g) throw new Error('fake discord: no guild');
    const u = world.requireUser(user);
    const m = g.members.get(u.id);
    if (!m) throw new Error(`fake discord: ${user} is not in ${g.name}`);
    m.roles = roles.map((r) => {
      const role = world.role(r, g.id);
      if (!role) throw new Error(`fake discord: no role ${r}`);
      return role.id as string;
    });
    const member = { guild_id: g.id, ...world.memberObject(g.id, u.id) };
    this.ctx.gateway.dispatch('GUILD_MEMBER_UPDATE', member, { guildId: g.id, intent: Intent.GuildMembers });
    return member;
  }
}

function findFirstCustomId(msg: MessageRecord | undefined): string {
  const stack = [...((msg?.components as Json[] | undefined) ?? [])];
  while (stack.length) {
    const c = stack.shift()!;
    if (typeof c.custom_id === 'string') return c.custom_id;
    if (Array.isArray(c.components)) stack.unshift(...(c.components as Json[]));
  }
  return 'button';
}
