// Message objects: building them (with mentions, replies, attachments), validating what a bot
// sends the way Discord's form validation does, applying edits, and the gateway's extra fields.
import { DiscordErrors, invalidFormBody, type DiscordError, type FieldError } from './errors.ts';
import type { Json, MessageRecord, World } from './state.ts';

export const MessageType = { Default: 0, Reply: 19, ChatInputCommand: 20, ThreadStarterMessage: 21, ContextMenuCommand: 23 } as const;
export const MessageFlags = { Ephemeral: 1 << 6, Loading: 1 << 7, SuppressEmbeds: 1 << 2, IsComponentsV2: 1 << 15 } as const;

export interface MessageInput {
  channelId: string;
  authorId: string;
  content?: string;
  embeds?: Json[];
  components?: Json[];
  attachments?: Json[];
  /** The message_reference a client sent ({message_id, channel_id?, guild_id?, fail_if_not_exists?, type?}). */
  reference?: Json;
  /** Extra mentioned user ids (content `<@id>` is parsed too). */
  mentions?: string[];
  mentionRoles?: string[];
  mentionEveryone?: boolean;
  /** allowed_mentions as a bot sent it; absent = Discord's defaults. */
  allowedMentions?: Json;
  type?: number;
  flags?: number;
  webhookId?: string;
  applicationId?: string;
  interactionMetadata?: Json;
  nonce?: string | number;
  tts?: boolean;
  poll?: Json;
}

const USER_MENTION = /<@!?(\d{15,22})>/g;
const ROLE_MENTION = /<@&(\d{15,22})>/g;

export function buildMessage(world: World, input: MessageInput): MessageRecord {
  const channel = world.channels.get(input.channelId);
  const guildId = channel?.guild_id;
  const content = input.content ?? '';
  const allowed = input.allowedMentions;
  const parse = new Set((allowed?.parse as string[] | undefined) ?? ['users', 'roles', 'everyone']);

  const userIds = new Set<string>();
  for (const [, id] of content.matchAll(USER_MENTION)) {
    if (!id || !world.users.has(id)) continue;
    if (!allowed || parse.has('users') || ((allowed.users as string[] | undefined) ?? []).includes(id)) userIds.add(id);
  }
  for (const id of input.mentions ?? []) userIds.add(world.requireUser(id).id);

  const roleIds = new Set<string>();
  for (const [, id] of content.matchAll(ROLE_MENTION)) {
    if (!id || !guildId || !world.guilds.get(guildId)?.roles.has(id)) continue;
    if (!allowed || parse.has('roles') || ((allowed.roles as string[] | undefined) ?? []).includes(id)) roleIds.add(id);
  }
  for (const r of input.mentionRoles ?? []) {
    const role = world.role(r, guildId);
    if (role) roleIds.add(role.id as string);
  }

  let referenced: MessageRecord | undefined;
  let reference: Json | undefined;
  if (input.reference?.message_id) {
    const refChannel = (input.reference.channel_id as string | undefined) ?? input.channelId;
    referenced = world.message(refChannel, input.reference.message_id as string);
    reference = {
      type: (input.reference.type as number | undefined) ?? 0,
      channel_id: refChannel,
      message_id: input.reference.message_id,
      ...(world.channels.get(refChannel)?.guild_id ? { guild_id: world.channels.get(refChannel)?.guild_id } : {}),
    };
    // Replies ping the replied-to author unless allowed_mentions says replied_user: false/absent.
    const pingReplied = allowed ? allowed.replied_user === true : true;
    if (referenced && pingReplied && (referenced.author.id as string) !== input.authorId) userIds.add(referenced.author.id as string);
  }

  const id = world.ids.next();
  const msg: MessageRecord = {
    type: input.type ?? (reference && (reference.type ?? 0) === 0 ? MessageType.Reply : MessageType.Default),
    content,
    mentions: [...userIds].map((uid) => world.userObject(uid)),
    mention_roles: [...roleIds],
    attachments: input.attachments ?? [],
    embeds: (input.embeds ?? []).map(normalizeEmbed),
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    flags: input.flags ?? 0,
    components: normalizeComponents(input.components ?? []),
    id,
    channel_id: input.channelId,
    author: world.userObject(input.authorId),
    pinned: false,
    mention_everyone: Boolean(input.mentionEveryone ?? ((!allowed || parse.has('everyone')) && /@(everyone|here)\b/.test(content))),
    tts: input.tts ?? false,
    ...(input.nonce !== undefined ? { nonce: input.nonce } : {}),
    ...(input.webhookId ? { webhook_id: input.webhookId } : {}),
    ...(input.applicationId ? { application_id: input.applicationId } : {}),
    ...(input.interactionMetadata ? { interaction_metadata: input.interactionMetadata } : {}),
    ...(input.poll ? { poll: input.poll } : {}),
    ...(reference ? { message_reference: reference } : {}),
    ...(reference && (reference.type ?? 0) === 0 ? { referenced_message: referenced ? stripReferenced(referenced) : null } : {}),
    ...(channel && world.isThread(channel) ? { position: (channel.total_message_sent as number) ?? 0 } : {}),
  };
  return msg;
}

function stripReferenced(m: MessageRecord): Json {
  const { referenced_message: _r, ...rest } = m;
  return rest;
}

function normalizeEmbed(e: Json): Json {
  const out: Json = { type: 'rich', ...e };
  if (out.color === null || out.color === undefined) delete out.color;
  return out;
}

/** Discord gives every component a numeric `id` (sequential per message) when none was sent. */
function normalizeComponents(rows: Json[]): Json[] {
  let next = 1;
  const walk = (c: Json): Json => {
    const out: Json = { ...c, id: c.id ?? next++ };
    if (Array.isArray(c.components)) out.components = (c.components as Json[]).map(walk);
    return out;
  };
  return rows.map(walk);
}

/**
 * The checks Discord's form validation makes on a message body a bot sends (create, edit, webhook,
 * interaction response). Returns the error Discord would answer, or null.
 */
export function validateMessageBody(body: Json, opts: { hasFiles: boolean; isEdit: boolean; existing?: MessageRecord }): DiscordError | null {
  const errs: FieldError[] = [];
  const maxLen = (path: string, value: unknown, max: number) => {
    if (typeof value === 'string' && [...value].length > max) errs.push({ path, code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${max} or fewer in length.` });
  };
  if (body.content !== undefined && body.content !== null && typeof body.content !== 'string') {
    errs.push({ path: 'content', code: 'BASE_TYPE_STRING', message: 'Must be a string.' });
  }
  maxLen('content', body.content, 2000);

  const embeds = body.embeds as Json[] | null | undefined;
  if (Array.isArray(embeds)) {
    if (embeds.length > 10) errs.push({ path: 'embeds', code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 10 or fewer in length.' });
    let total = 0;
    const count = (v: unknown) => (typeof v === 'string' ? [...v].length : 0);
    embeds.forEach((e, i) => {
      maxLen(`embeds.${i}.title`, e.title, 256);
      maxLen(`embeds.${i}.description`, e.description, 4096);
      maxLen(`embeds.${i}.footer.text`, (e.footer as Json | undefined)?.text, 2048);
      maxLen(`embeds.${i}.author.name`, (e.author as Json | undefined)?.name, 256);
      total += count(e.title) + count(e.description) + count((e.footer as Json | undefined)?.text) + count((e.author as Json | undefined)?.name);
      const fields = (e.fields as Json[] | undefined) ?? [];
      if (fields.length > 25) errs.push({ path: `embeds.${i}.fields`, code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 25 or fewer in length.' });
      fields.forEach((f, j) => {
        for (const k of ['name', 'value'] as const) {
          if (f[k] === undefined || f[k] === null || f[k] === '') errs.push({ path: `embeds.${i}.fields.${j}.${k}`, code: 'BASE_TYPE_REQUIRED', message: 'This field is required' });
        }
        maxLen(`embeds.${i}.fields.${j}.name`, f.name, 256);
        maxLen(`embeds.${i}.fields.${j}.value`, f.value, 1024);
        total += count(f.name) + count(f.value);
      });
    });
    if (total > 6000) errs.push({ path: 'embeds', code: 'MAX_EMBED_SIZE_EXCEEDED', message: 'Embed size exceeds maximum size of 6000' });
  }

  const rows = body.components as Json[] | null | undefined;
  const componentsV2 = (Number(body.flags ?? 0) & MessageFlags.IsComponentsV2) !== 0;
  if (Array.isArray(rows) && !componentsV2) {
    if (rows.length > 5) errs.push({ path: 'components', code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 5 or fewer in length.' });
    const seen = new Set<string>();
    rows.forEach((row, i) => {
      if (row.type !== 1) {
        errs.push({ path: `components.${i}.type`, code: 'UNION_TYPE_CHOICES', message: 'Value of field "type" must be one of (1,).' });
        return;
      }
      const children = (row.components as Json[] | undefined) ?? [];
      if (children.length === 0) errs.push({ path: `components.${i}.components`, code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 1 and 5 in length.' });
      if (children.length > 5) errs.push({ path: `components.${i}.components`, code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 1 and 5 in length.' });
      children.forEach((c, j) => {
        const path = `components.${i}.components.${j}`;
        if (c.type === 2) {
          maxLen(`${path}.label`, c.label, 80);
          if (c.style === 5) {
            if (!c.url) errs.push({ path: `${path}.url`, code: 'BASE_TYPE_REQUIRED', message: 'This field is required' });
          } else if (c.style !== 6 && !c.custom_id) {
            errs.push({ path: `${path}.custom_id`, code: 'BASE_TYPE_REQUIRED', message: 'This field is required' });
          }
        } else if (!c.custom_id) {
          errs.push({ path: `${path}.custom_id`, code: 'BASE_TYPE_REQUIRED', message: 'This field is required' });
        }
        if (typeof c.custom_id === 'string') {
          maxLen(`${path}.custom_id`, c.custom_id, 100);
          if (seen.has(c.custom_id)) errs.push({ path: `${path}.custom_id`, code: 'COMPONENT_CUSTOM_ID_DUPLICATED', message: 'Component custom id cannot be duplicated' });
          seen.add(c.custom_id);
        }
      });
    });
  }
  if (errs.length) return invalidFormBody(errs);

  // Empty-message check applies to what the message would look like afterwards.
  const pick = <T>(k: string, fallback: T): T => (body[k] !== undefined ? (body[k] as T) : opts.isEdit && opts.existing ? (opts.existing[k] as T) : fallback);
  const content = pick<string | null>('content', '') ?? '';
  const hasSomething =
    content.trim().length > 0 ||
    (pick<Json[] | null>('embeds', []) ?? []).length > 0 ||
    (pick<Json[] | null>('components', []) ?? []).length > 0 ||
    (pick<Json[] | null>('attachments', []) ?? []).length > 0 ||
    opts.hasFiles ||
    ((body.sticker_ids as string[] | undefined) ?? []).length > 0 ||
    Boolean(body.poll);
  if (!hasSomething) return DiscordErrors.EmptyMessage;
  return null;
}

/** PATCH semantics: fields present replace, absent fields stay; sets edited_timestamp. */
export function applyEdit(world: World, msg: MessageRecord, body: Json, newAttachments: Json[] | undefined): MessageRecord {
  const edited: MessageRecord = { ...msg, edited_timestamp: new Date().toISOString() };
  if (body.content !== undefined) {
    edited.content = (body.content as string | null) ?? '';
    const rebuilt = buildMessage(world, { channelId: msg.channel_id, authorId: msg.author.id as string, content: edited.content, allowedMentions: body.allowed_mentions as Json | undefined });
    edited.mentions = rebuilt.mentions;
    edited.mention_roles = rebuilt.mention_roles;
  }
  if (body.embeds !== undefined) edited.embeds = ((body.embeds as Json[] | null) ?? []).map(normalizeEmbed);
  if (body.components !== undefined) edited.components = normalizeComponents((body.components as Json[] | null) ?? []);
  if (body.flags !== undefined && body.flags !== null) {
    // Only SUPPRESS_EMBEDS may be toggled on edit; Loading clears once the message has content.
    edited.flags = ((msg.flags as number) & ~MessageFlags.SuppressEmbeds) | (Number(body.flags) & MessageFlags.SuppressEmbeds);
  }
  if (body.attachments !== undefined || newAttachments) {
    const keep = new Set(((body.attachments as Json[] | null | undefined) ?? []).map((a) => String(a.id)));
    const kept = body.attachments === undefined ? (msg.attachments as Json[]) : (msg.attachments as Json[]).filter((a) => keep.has(String(a.id)));
    edited.attachments = [...kept, ...(newAttachments ?? [])];
  }
  edited.flags = (edited.flags as number) & ~MessageFlags.Loading;
  return edited;
}

/** MESSAGE_CREATE/UPDATE add channel_type, guild_id, member (no user) and a partial member on each mentioned user. */
export function gatewayMessage(world: World, msg: MessageRecord): Json {
  const channel = world.channels.get(msg.channel_id);
  const guildId = channel?.guild_id;
  if (!guildId) return { ...msg, ...(channel ? { channel_type: channel.type } : {}) };
  const member = msg.webhook_id && msg.author.id !== world.botUserId ? undefined : world.memberObject(guildId, msg.author.id as string, { withUser: false });
  return {
    ...msg,
    channel_type: channel.type,
    guild_id: guildId,
    ...(member ? { member } : {}),
    mentions: (msg.mentions as Json[]).map((u) => {
      const m = world.memberObject(guildId, u.id as string, { withUser: false });
      return m ? { ...u, member: m } : u;
    }),
  };
}

/**
 * What an app without the MESSAGE_CONTENT intent sees: Discord empties content, embeds, attachments,
 * components and poll, except in DMs, for messages that mention the app, and for the app's own messages.
 */
export function withoutContent(world: World, msg: Json): Json {
  const channel = world.channels.get(msg.channel_id as string);
  const isDm = channel?.type === 1 || channel?.type === 3;
  const author = msg.author as Json | undefined;
  const mentionsBot = ((msg.mentions as Json[] | undefined) ?? []).some((u) => u.id === world.botUserId);
  if (isDm || mentionsBot || author?.id === world.botUserId) return msg;
  const { poll: _p, ...rest } = msg;
  return { ...rest, content: '', embeds: [], attachments: [], components: [] };
}
