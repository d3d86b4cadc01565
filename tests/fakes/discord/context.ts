// The pieces every route and helper shares, and the operations that touch more than one of them:
// storing a message, recording it and dispatching MESSAGE_CREATE/UPDATE/DELETE to the gateway.
import type { Gateway } from './gateway.ts';
import { Intent } from './gateway.ts';
import type { UploadedFile } from './http.ts';
import { gatewayMessage, MessageFlags, withoutContent } from './messages.ts';
import type { RateLimiter } from './rate-limits.ts';
import type { MessageEvent, Recorder } from './recorder.ts';
import type { ChannelRecord, Json, MessageRecord, World } from './state.ts';

export interface InteractionState {
  id: string;
  token: string;
  type: number;
  payload: Json;
  dispatchedAt: number;
  channelId: string;
  guildId: string | null;
  /** Set by the first (and only allowed) callback. */
  ack: { type: number; at: number } | null;
  /** The @original message (reply/defer) or, for component interactions, the message clicked. */
  originalMessageId: string | null;
  /** The source message of a component interaction. */
  sourceMessageId: string | null;
  /** After a type-5 defer, the first follow-up fills the loading message instead of posting a new one. */
  deferredPlaceholder: boolean;
  /** Messages made through this interaction's token (original and follow-ups). */
  messageIds: string[];
}

export interface AttachmentBlob {
  id: string;
  channelId: string;
  filename: string;
  contentType: string;
  data: Buffer;
}

export interface FakeContextInit {
  world: World;
  gateway: Gateway;
  rec: Recorder;
  limiter: RateLimiter;
  interactionDeadlineMs: number;
}

export class FakeContext {
  readonly world: World;
  readonly gateway: Gateway;
  readonly rec: Recorder;
  readonly limiter: RateLimiter;
  readonly interactions = new Map<string, InteractionState>();
  readonly attachments = new Map<string, AttachmentBlob>();
  interactionDeadlineMs: number;
  baseUrl = '';

  constructor(init: FakeContextInit) {
    this.world = init.world;
    this.gateway = init.gateway;
    this.rec = init.rec;
    this.limiter = init.limiter;
    this.interactionDeadlineMs = init.interactionDeadlineMs;
  }

  /** Intent a session needs to get message events for this channel. */
  messageIntent(channel: ChannelRecord | undefined): number {
    return channel?.guild_id ? Intent.GuildMessages : Intent.DirectMessages;
  }

  private dispatchMessage(t: 'MESSAGE_CREATE' | 'MESSAGE_UPDATE', msg: MessageRecord): void {
    if ((msg.flags as number) & MessageFlags.Ephemeral) return; // only the invoking user's client sees these
    const channel = this.world.channels.get(msg.channel_id);
    const world = this.world;
    this.gateway.dispatch(t, gatewayMessage(world, msg), {
      guildId: channel?.guild_id,
      intent: this.messageIntent(channel),
      transform: (d, intents) => ((intents & Intent.MessageContent) !== 0 ? d : withoutContent(world, d as Json)),
    });
  }

  publishCreate(msg: MessageRecord, via: MessageEvent['via']): MessageRecord {
    this.world.storeMessage(msg);
    this.rec.add('messages', { kind: 'create', channelId: msg.channel_id, message: msg, via, at: Date.now() });
    this.dispatchMessage('MESSAGE_CREATE', msg);
    return msg;
  }

  publishEdit(msg: MessageRecord, via: MessageEvent['via']): MessageRecord {
    this.world.channelMessages(msg.channel_id).set(msg.id, msg);
    this.rec.add('messages', { kind: 'edit', channelId: msg.channel_id, message: msg, via, at: Date.now() });
    this.dispatchMessage('MESSAGE_UPDATE', msg);
    return msg;
  }

  publishDelete(msg: MessageRecord, via: MessageEvent['via']): void {
    this.world.channelMessages(msg.channel_id).delete(msg.id);
    this.rec.add('messages', { kind: 'delete', channelId: msg.channel_id, message: msg, via, at: Date.now() });
    const channel = this.world.channels.get(msg.channel_id);
    if ((msg.flags as number) & MessageFlags.Ephemeral) return;
    this.gateway.dispatch(
      'MESSAGE_DELETE',
      { id: msg.id, channel_id: msg.channel_id, ...(channel?.guild_id ? { guild_id: channel.guild_id } : {}) },
      { guildId: channel?.guild_id, intent: this.messageIntent(channel) },
    );
  }

  /** Attachment objects for uploaded files (files[n] described by body.attachments[{id:n,...}]). */
  storeAttachments(channelId: string, files: UploadedFile[], meta: Json[] | undefined): Json[] {
    return files.map((f, i) => {
      const index = /\[(\d+)\]/.exec(f.field)?.[1] ?? String(i);
      const m = meta?.find((a) => String(a.id) === index);
      const id = this.world.ids.next();
      const filename = (m?.filename as string | undefined) ?? f.filename;
      this.attachments.set(id, { id, channelId, filename, contentType: f.contentType, data: f.data });
      const url = `${this.baseUrl}/attachments/${channelId}/${id}/${encodeURIComponent(filename)}`;
      return {
        id,
        filename,
        size: f.data.length,
        url,
        proxy_url: url,
        content_type: f.contentType,
        ...(m?.description ? { description: m.description } : {}),
        ...(m?.title ? { title: m.title } : {}),
      };
    });
  }
}
