// Channel routes: get a channel, create/get/edit/delete/list messages, typing, reactions, threads.
import type { FakeContext } from './context.ts';
import { DiscordErrors, fail } from './errors.ts';
import { Intent } from './gateway.ts';
import { noContent, ok, type RouteDef } from './http.ts';
import { applyEdit, buildMessage, validateMessageBody } from './messages.ts';
import { ChannelType, type ChannelRecord, type Json, type MessageRecord } from './state.ts';

export function channelRoutes(ctx: FakeContext): RouteDef[] {
  const { world } = ctx;

  const channelOr404 = (id: string): ChannelRecord => world.channels.get(id) ?? fail(DiscordErrors.UnknownChannel);
  const messageOr404 = (channelId: string, messageId: string): MessageRecord => world.message(channelId, messageId) ?? fail(DiscordErrors.UnknownMessage);

  return [
    {
      method: 'GET',
      template: '/channels/:channelId',
      auth: true,
      major: 'channelId',
      handler: ({ params }) => ok(channelOr404(params.channelId!)),
    },
    {
      method: 'POST',
      template: '/channels/:channelId/messages',
      auth: true,
      major: 'channelId',
      handler: ({ params, body, files }) => {
        const channel = channelOr404(params.channelId!);
        if (!world.isTextBased(channel)) fail(DiscordErrors.NonTextChannel);
        const b = (body ?? {}) as Json;
        const invalid = validateMessageBody(b, { hasFiles: files.length > 0, isEdit: false });
        if (invalid) fail(invalid);
        let reference = b.message_reference as Json | undefined;
        if (reference?.message_id) {
          const refChannel = (reference.channel_id as string | undefined) ?? channel.id;
          if (!world.message(refChannel, reference.message_id as string)) {
            if (reference.fail_if_not_exists === false) reference = undefined;
            else fail({ status: 400, code: 50035, message: 'Invalid Form Body', errors: { message_reference: { _errors: [{ code: 'REPLIES_UNKNOWN_MESSAGE', message: 'Unknown message' }] } } });
          }
        }
        // enforce_nonce: a repeated nonce within a few minutes returns the earlier message.
        if (b.enforce_nonce && b.nonce !== undefined) {
          const dup = [...world.channelMessages(channel.id).values()].find((m) => m.nonce === b.nonce && m.author.id === world.botUserId);
          if (dup) return ok(dup);
        }
        const msg = buildMessage(world, {
          channelId: channel.id,
          authorId: world.botUserId,
          content: (b.content as string | undefined) ?? '',
          embeds: b.embeds as Json[] | undefined,
          components: b.components as Json[] | undefined,
          attachments: ctx.storeAttachments(channel.id, files, b.attachments as Json[] | undefined),
          reference,
          allowedMentions: b.allowed_mentions as Json | undefined,
          flags: Number(b.flags ?? 0) & ~(1 << 6),
          nonce: b.nonce as string | number | undefined,
          tts: Boolean(b.tts),
          poll: b.poll as Json | undefined,
        });
        return ok(ctx.publishCreate(msg, 'rest'));
      },
    },
    {
      method: 'GET',
      template: '/channels/:channelId/messages',
      auth: true,
      major: 'channelId',
      handler: ({ params, query }) => {
        const channel = channelOr404(params.channelId!);
        const all = [...world.channelMessages(channel.id).values()].reverse(); // newest first
        const limit = Math.min(100, Math.max(1, Number(query.limit ?? 50)));
        let list = all;
        if (query.before) list = all.filter((m) => BigInt(m.id) < BigInt(query.before!));
        else if (query.after) list = all.filter((m) => BigInt(m.id) > BigInt(query.after!)).slice(-limit);
        else if (query.around) {
          const idx = all.findIndex((m) => m.id === query.around);
          list = idx < 0 ? [] : all.slice(Math.max(0, idx - Math.floor(limit / 2)));
        }
        return ok(list.slice(0, limit));
      },
    },
    {
      method: 'GET',
      template: '/channels/:channelId/messages/:messageId',
      auth: true,
      major: 'channelId',
      handler: ({ params }) => ok(messageOr404(channelOr404(params.channelId!).id, params.messageId!)),
    },
    {
      method: 'PATCH',
      template: '/channels/:channelId/messages/:messageId',
      auth: true,
      major: 'channelId',
      handler: ({ params, body, files }) => {
        const channel = channelOr404(params.channelId!);
        const msg = messageOr404(channel.id, params.messageId!);
        const b = (body ?? {}) as Json;
        if (msg.author.id !== world.botUserId) {
          // Others' messages: only flags (suppress embeds) may change, with Manage Messages.
          const onlyFlags = Object.keys(b).every((k) => k === 'flags');
          if (!onlyFlags) fail(DiscordErrors.CannotEditOtherUsersMessage);
        }
        const invalid = validateMessageBody(b, { hasFiles: files.length > 0, isEdit: true, existing: msg });
        if (invalid) fail(invalid);
        const added = files.length ? ctx.storeAttachments(channel.id, files, b.attachments as Json[] | undefined) : undefined;
        // body.attachments lists kept attachments by id (and new uploads by index); applyEdit keeps known ids only.
        return ok(ctx.publishEdit(applyEdit(world, msg, b, added), 'rest'));
      },
    },
    {
      method: 'DELETE',
      template: '/channels/:channelId/messages/:messageId',
      auth: true,
      major: 'channelId',
      handler: ({ params }) => {
        const channel = channelOr404(params.channelId!);
        ctx.publishDelete(messageOr404(channel.id, params.messageId!), 'rest');
        return noContent();
      },
    },
    {
      method: 'POST',
      template: '/channels/:channelId/typing',
      auth: true,
      major: 'channelId',
      handler: ({ params }) => {
        const channel = channelOr404(params.channelId!);
        ctx.rec.add('typing', { channelId: channel.id, at: Date.now() });
        ctx.gateway.dispatch(
          'TYPING_START',
          {
            channel_id: channel.id,
            user_id: world.botUserId,
            timestamp: Math.floor(Date.now() / 1000),
            ...(channel.guild_id ? { guild_id: channel.guild_id, member: world.memberObject(channel.guild_id, world.botUserId) } : {}),
          },
          { guildId: channel.guild_id, intent: channel.guild_id ? Intent.GuildMessageTyping : Intent.DirectMessageTyping },
        );
        return noContent();
      },
    },
    {
      method: 'PUT',
      template: '/channels/:channelId/messages/:messageId/reactions/:emoji/@me',
      auth: true,
      major: 'channelId',
      handler: ({ params }) => {
        const channel = channelOr404(params.channelId!);
        const msg = messageOr404(channel.id, params.messageId!);
        const [name, id] = params.emoji!.split(':');
        const emoji = { id: id ?? null, name: name ?? params.emoji };
        const reactions = ((msg.reactions as Json[] | undefined) ?? []).slice();
        const existing = reactions.find((r) => (r.emoji as Json).name === emoji.name);
        if (existing) {
          if (!existing.me) Object.assign(existing, { count: (existing.count as number) + 1, me: true });
        } else {
          reactions.push({ count: 1, count_details: { burst: 0, normal: 1 }, me: true, me_burst: false, burst_me: false, burst_colors: [], emoji });
        }
        world.channelMessages(channel.id).set(msg.id, { ...msg, reactions });
        ctx.gateway.dispatch(
          'MESSAGE_REACTION_ADD',
          { user_id: world.botUserId, channel_id: channel.id, message_id: msg.id, emoji, burst: false, type: 0, ...(channel.guild_id ? { guild_id: channel.guild_id, member: world.memberObject(channel.guild_id, world.botUserId) } : {}), message_author_id: msg.author.id },
          { guildId: channel.guild_id, intent: channel.guild_id ? Intent.GuildMessageReactions : Intent.DirectMessageReactions },
        );
        return noContent();
      },
    },
    {
      method: 'POST',
      template: '/channels/:channelId/threads',
      auth: true,
      major: 'channelId',
      handler: ({ params, body }) => {
        const parent = channelOr404(params.channelId!);
        const b = (body ?? {}) as Json;
        if (!b.name) fail({ status: 400, code: 50035, message: 'Invalid Form Body', errors: { name: { _errors: [{ code: 'BASE_TYPE_REQUIRED', message: 'This field is required' }] } } });
        // Without a message Discord creates a private thread unless told otherwise.
        const thread = world.addThread({ parentId: parent.id, name: String(b.name), ownerId: world.botUserId, type: (b.type as number | undefined) ?? ChannelType.PrivateThread, autoArchiveMinutes: b.auto_archive_duration as number | undefined });
        ctx.gateway.dispatch('THREAD_CREATE', { ...thread, newly_created: true }, { guildId: thread.guild_id, intent: Intent.Guilds });
        return { status: 201, body: thread };
      },
    },
    {
      method: 'POST',
      template: '/channels/:channelId/messages/:messageId/threads',
      auth: true,
      major: 'channelId',
      handler: ({ params, body }) => {
        const parent = channelOr404(params.channelId!);
        const msg = messageOr404(parent.id, params.messageId!);
        if (msg.thread) fail({ status: 400, code: 160004, message: 'A thread has already been created for this message' });
        const b = (body ?? {}) as Json;
        const thread = world.addThread({ parentId: parent.id, name: String(b.name ?? 'thread'), ownerId: world.botUserId, id: msg.id, type: parent.type === ChannelType.GuildAnnouncement ? ChannelType.AnnouncementThread : ChannelType.PublicThread, autoArchiveMinutes: b.auto_archive_duration as number | undefined });
        world.channelMessages(parent.id).set(msg.id, { ...msg, thread, flags: (msg.flags as number) | (1 << 5) });
        ctx.gateway.dispatch('THREAD_CREATE', { ...thread, newly_created: true }, { guildId: thread.guild_id, intent: Intent.Guilds });
        return { status: 201, body: thread };
      },
    },
  ];
}
