// Interaction responses: POST /interactions/:id/:token/callback (no auth, once, within the deadline)
// and the follow-up webhook routes /webhooks/:appId/:token[/messages/@original|:id].
import type { FakeContext, InteractionState } from './context.ts';
import { DiscordErrors, DiscordHttpError, fail, type DiscordError } from './errors.ts';
import { noContent, ok, type HandlerResult, type RouteContext, type RouteDef } from './http.ts';
import { applyEdit, buildMessage, MessageFlags, MessageType, validateMessageBody } from './messages.ts';
import type { InteractionEvent } from './recorder.ts';
import type { Json, MessageRecord } from './state.ts';

const FOLLOWUP_TOKEN_TTL_MS = 15 * 60 * 1000;

export function interactionRoutes(ctx: FakeContext): RouteDef[] {
  const { world } = ctx;

  /** Runs a handler and records the outcome on the interaction's timeline, errors included. */
  const recorded = (kind: InteractionEvent['kind'], find: (r: RouteContext) => InteractionState | undefined, run: (s: InteractionState, r: RouteContext) => HandlerResult) => (r: RouteContext): HandlerResult => {
    const state = find(r);
    const at = Date.now();
    const type = kind === 'callback' ? Number(((r.body ?? {}) as Json).type) : undefined;
    try {
      if (!state) fail(kind === 'callback' ? DiscordErrors.UnknownInteraction : DiscordErrors.UnknownWebhook);
      const result = run(state, r);
      ctx.rec.add('interactions', { interactionId: state.id, kind, type, body: r.body, status: result.status, at, elapsedMs: at - state.dispatchedAt });
      return result;
    } catch (err) {
      if (state && err instanceof DiscordHttpError) {
        ctx.rec.add('interactions', { interactionId: state.id, kind, type, body: r.body, status: err.error.status, errorCode: err.error.code, at, elapsedMs: at - state.dispatchedAt });
      }
      throw err;
    }
  };

  const byIdAndToken = (r: RouteContext) => {
    const s = ctx.interactions.get(r.params.interactionId!);
    return s && s.token === r.params.token ? s : undefined;
  };
  const byWebhookToken = (r: RouteContext) => {
    if (r.params.appId !== world.applicationId) return undefined;
    return [...ctx.interactions.values()].find((s) => s.token === r.params.token);
  };
  const usable = (s: InteractionState) => {
    if (Date.now() - s.dispatchedAt > FOLLOWUP_TOKEN_TTL_MS) fail({ status: 401, code: 50027, message: 'Invalid Webhook Token' });
  };
  const validate = (body: Json, hasFiles: boolean, existing?: MessageRecord): void => {
    const e: DiscordError | null = validateMessageBody(body, { hasFiles, isEdit: Boolean(existing), existing });
    if (e) fail(e);
  };
  const metadata = (s: InteractionState): Json => {
    const payload = s.payload;
    const user = (payload.member as Json | undefined)?.user ?? payload.user;
    const data = (payload.data ?? {}) as Json;
    return {
      id: s.id,
      type: s.type,
      user,
      authorizing_integration_owners: payload.authorizing_integration_owners,
      ...(s.type === 2 ? { name: data.name, command_type: data.type } : {}),
      ...(s.type === 3 && s.sourceMessageId ? { interacted_message_id: s.sourceMessageId } : {}),
    };
  };
  const responseMessage = (s: InteractionState, body: Json, files: RouteContext['files'], extraFlags = 0): MessageRecord => {
    const data = body;
    const commandType = ((s.payload.data ?? {}) as Json).type;
    const msg = buildMessage(world, {
      channelId: s.channelId,
      authorId: world.botUserId,
      content: (data.content as string | undefined) ?? '',
      embeds: data.embeds as Json[] | undefined,
      components: data.components as Json[] | undefined,
      attachments: ctx.storeAttachments(s.channelId, files, data.attachments as Json[] | undefined),
      allowedMentions: data.allowed_mentions as Json | undefined,
      flags: (Number(data.flags ?? 0) & (MessageFlags.Ephemeral | MessageFlags.SuppressEmbeds | MessageFlags.IsComponentsV2)) | extraFlags,
      type: s.type === 2 ? (commandType === 1 ? MessageType.ChatInputCommand : MessageType.ContextMenuCommand) : MessageType.Default,
      webhookId: world.applicationId,
      applicationId: world.applicationId,
      interactionMetadata: metadata(s),
      tts: Boolean(data.tts),
    });
    if (s.type === 2) {
      const m = metadata(s);
      msg.interaction = { id: s.id, type: s.type, name: m.name, user: m.user };
    }
    return msg;
  };

  const callback = (s: InteractionState, r: RouteContext): HandlerResult => {
    if (s.ack) fail(DiscordErrors.InteractionAlreadyAcknowledged);
    if (Date.now() - s.dispatchedAt > ctx.interactionDeadlineMs) fail(DiscordErrors.UnknownInteraction);
    const body = (r.body ?? {}) as Json;
    const type = Number(body.type);
    const data = (body.data ?? {}) as Json;
    const isComponentish = s.type === 3 || (s.type === 5 && s.sourceMessageId !== null);
    const badType = () => fail({ status: 400, code: 50035, message: 'Invalid Form Body', errors: { type: { _errors: [{ code: 'INTERACTION_RESPONSE_TYPE_INVALID', message: 'Interaction response type is invalid for this interaction' }] } } });
    let message: MessageRecord | undefined;
    switch (type) {
      case 4:
        validate(data, r.files.length > 0);
        message = ctx.publishCreate(responseMessage(s, data, r.files), 'interaction');
        s.originalMessageId = message.id;
        s.messageIds.push(message.id);
        break;
      case 5:
        message = ctx.publishCreate(responseMessage(s, { ...data, content: '' }, [], MessageFlags.Loading), 'interaction');
        s.originalMessageId = message.id;
        s.messageIds.push(message.id);
        s.deferredPlaceholder = true;
        break;
      case 6:
        if (!isComponentish) badType();
        s.originalMessageId = s.sourceMessageId;
        break;
      case 7: {
        if (!isComponentish || !s.sourceMessageId) badType();
        const source = world.message(s.channelId, s.sourceMessageId!) ?? fail(DiscordErrors.UnknownMessage);
        validate(data, r.files.length > 0, source);
        const added = r.files.length ? ctx.storeAttachments(s.channelId, r.files, data.attachments as Json[] | undefined) : undefined;
        message = ctx.publishEdit(applyEdit(world, source, data, added), 'interaction');
        s.originalMessageId = source.id;
        break;
      }
      case 8:
        if (s.type !== 4) badType();
        break;
      case 9:
        if (s.type === 5) badType();
        break;
      default:
        badType();
    }
    s.ack = { type, at: Date.now() };
    if (r.query.with_response !== 'true') return noContent();
    return ok({
      interaction: {
        id: s.id,
        type: s.type,
        ...(message ? { response_message_id: message.id, response_message_loading: type === 5, response_message_ephemeral: Boolean((message.flags as number) & MessageFlags.Ephemeral) } : {}),
      },
      ...(message || type === 9 ? { resource: { type, ...(message ? { message } : {}) } } : {}),
    });
  };

  const original = (s: InteractionState): MessageRecord => {
    if (!s.ack || !s.originalMessageId) fail(DiscordErrors.UnknownMessage);
    return world.message(s.channelId, s.originalMessageId) ?? fail(DiscordErrors.UnknownMessage);
  };
  const ownMessage = (s: InteractionState, id: string): MessageRecord => {
    if (id === '@original') return original(s);
    if (!s.messageIds.includes(id)) fail(DiscordErrors.UnknownMessage);
    return world.message(s.channelId, id) ?? fail(DiscordErrors.UnknownMessage);
  };
  const editOwn = (s: InteractionState, r: RouteContext): HandlerResult => {
    usable(s);
    const msg = ownMessage(s, r.params.messageId ?? '@original');
    const body = (r.body ?? {}) as Json;
    validate(body, r.files.length > 0, msg);
    const added = r.files.length ? ctx.storeAttachments(s.channelId, r.files, body.attachments as Json[] | undefined) : undefined;
    if (msg.id === s.originalMessageId) s.deferredPlaceholder = false;
    return ok(ctx.publishEdit(applyEdit(world, msg, body, added), 'webhook'));
  };
  const deleteOwn = (s: InteractionState, r: RouteContext): HandlerResult => {
    usable(s);
    ctx.publishDelete(ownMessage(s, r.params.messageId ?? '@original'), 'webhook');
    return noContent();
  };

  return [
    { method: 'POST', template: '/interactions/:interactionId/:token/callback', auth: false, major: 'interactionId', handler: recorded('callback', byIdAndToken, callback) },
    {
      method: 'POST',
      template: '/webhooks/:appId/:token',
      auth: false,
      major: 'token',
      handler: recorded('followup', byWebhookToken, (s, r) => {
        usable(s);
        if (!s.ack) fail(DiscordErrors.UnknownWebhook);
        const body = (r.body ?? {}) as Json;
        if (s.deferredPlaceholder && s.originalMessageId) {
          // The first follow-up after a "thinking" defer becomes the original response.
          const placeholder = original(s);
          validate(body, r.files.length > 0);
          const added = r.files.length ? ctx.storeAttachments(s.channelId, r.files, body.attachments as Json[] | undefined) : undefined;
          s.deferredPlaceholder = false;
          const filled = ctx.publishEdit(applyEdit(world, placeholder, { ...body, flags: undefined }, added), 'webhook');
          return r.query.wait === 'false' ? noContent() : ok(filled);
        }
        validate(body, r.files.length > 0);
        const msg = ctx.publishCreate(responseMessage(s, body, r.files), 'webhook');
        s.messageIds.push(msg.id);
        return r.query.wait === 'false' ? noContent() : ok(msg);
      }),
    },
    { method: 'GET', template: '/webhooks/:appId/:token/messages/@original', auth: false, major: 'token', handler: recorded('get-original', byWebhookToken, (s) => ok(original(s))) },
    { method: 'PATCH', template: '/webhooks/:appId/:token/messages/@original', auth: false, major: 'token', handler: recorded('edit-original', byWebhookToken, editOwn) },
    { method: 'DELETE', template: '/webhooks/:appId/:token/messages/@original', auth: false, major: 'token', handler: recorded('delete-original', byWebhookToken, deleteOwn) },
    { method: 'GET', template: '/webhooks/:appId/:token/messages/:messageId', auth: false, major: 'token', handler: recorded('get-original', byWebhookToken, (s, r) => ok(ownMessage(s, r.params.messageId!))) },
    { method: 'PATCH', template: '/webhooks/:appId/:token/messages/:messageId', auth: false, major: 'token', handler: recorded('edit-followup', byWebhookToken, editOwn) },
    { method: 'DELETE', template: '/webhooks/:appId/:token/messages/:messageId', auth: false, major: 'token', handler: recorded('delete-original', byWebhookToken, deleteOwn) },
  ];
}
