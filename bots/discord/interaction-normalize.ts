import { z } from 'zod';
import { InboundTurn, OpsAction, OpsActionKind, MAX_SILENCE_SEC, SloServiceName, type CompanionCommandName, type InboundTurnInput, type OpsActionInput } from '../../mesh/index.ts';
import { conversationOf, RouteKey } from './normalize.ts';
import type { PlaceKind } from './message-facts.ts';

/**
 * The parts of an INTERACTION_CREATE payload the bot reads. Loose on purpose: anything else Discord
 * sends is ignored, and a payload missing what is needed here is logged and dropped, never thrown.
 * @see https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object
 */
const RawUser = z.object({ id: z.string().min(1), username: z.string().optional(), global_name: z.string().nullish(), bot: z.boolean().optional() });
interface RawOption {
  name: string;
  type: number;
  value?: unknown;
  options?: RawOption[] | undefined;
}
const RawOption: z.ZodType<RawOption> = z.lazy(() => z.object({ name: z.string(), type: z.number(), value: z.unknown().optional(), options: z.array(RawOption).optional() }));
export const RawInteraction = z.object({
  id: z.string().regex(/^\d{1,22}$/),
  application_id: z.string().regex(/^\d{1,22}$/),
  type: z.number().int(),
  token: z.string().min(1).max(512),
  guild_id: z.string().optional(),
  channel_id: z.string().optional(),
  channel: z.object({ id: z.string(), type: z.number().optional(), name: z.string().nullish(), parent_id: z.string().nullish() }).partial({ type: true }).optional(),
  member: z.object({ user: RawUser.optional(), nick: z.string().nullish(), roles: z.array(z.string()).default([]) }).optional(),
  user: RawUser.optional(),
  data: z.object({ name: z.string().optional(), type: z.number().optional(), custom_id: z.string().optional(), component_type: z.number().optional(), options: z.array(RawOption).optional() }).optional(),
  message: z.object({ id: z.string() }).optional(),
});
export type RawInteraction = z.infer<typeof RawInteraction>;

/** Interaction types (Discord's numbers). */
const InteractionType = { Ping: 1, ApplicationCommand: 2, MessageComponent: 3, Autocomplete: 4, ModalSubmit: 5 } as const;

/** What to do with one interaction. */
export type InteractionPlan =
  /** An ops action: enqueue on ops-actions, then defer (ephemeral). */
  | { kind: 'ops'; action: OpsAction }
  /** A companion command: enqueue on inbound, then defer (ephemeral); the brain's answer edits the deferred response. */
  | { kind: 'turn'; turn: InboundTurn }
  /** Answer at once, privately, and do nothing else (voice not yet, an unknown command or button). */
  | { kind: 'answer'; content: string; reason: string }
  /** Autocomplete: answer with no suggestions. */
  | { kind: 'autocomplete' }
  /** Nothing can be answered (a malformed payload, a PING over the gateway). */
  | { kind: 'drop'; reason: string };

export const POLITE = {
  voiceNotYet: "Voice conversations aren't available yet. For now, talk with me here in text!",
  unknownCommand: "I don't know that command yet. Try /remember, /forget, /export or /link.",
  staleButton: "That button isn't active any more.",
  unsupported: "I can't handle that kind of interaction yet, sorry.",
  badOpsButton: "That ops button doesn't look right, so I did nothing. Please use the buttons on the latest incident message.",
  badSloService: 'That is not a service name from an SLO spec (lowercase letters, digits, - or _, e.g. `/slo service:helix`). Leave it empty to see every SLO.',
  queueDown: "Sorry, I can't take that right now (my queue is unreachable). Please try again in a moment.",
} as const;

const COMPANION: ReadonlySet<string> = new Set<CompanionCommandName>(['link', 'unlink', 'remember', 'forget', 'export']);

/** Reads the interaction into a plan. Pure: the clock and trace context are passed in. */
export function planInteraction(raw: unknown, receivedAt: Date, traceparent: string): InteractionPlan {
  const parsed = RawInteraction.safeParse(raw);
  if (!parsed.success) return { kind: 'drop', reason: `malformed interaction: ${z.prettifyError(parsed.error).slice(0, 300)}` };
  const i = parsed.data;
  const at = receivedAt.toISOString();
  switch (i.type) {
    case InteractionType.Ping:
      return { kind: 'drop', reason: 'ping' };
    case InteractionType.Autocomplete:
      return { kind: 'autocomplete' };
    case InteractionType.ModalSubmit:
      return { kind: 'answer', content: POLITE.unsupported, reason: 'modal' };
    case InteractionType.MessageComponent: {
      const customId = i.data?.custom_id ?? '';
      if (i.data?.component_type !== 2 || !customId.startsWith('ops:')) return { kind: 'answer', content: POLITE.staleButton, reason: 'unknown_component' };
      const parsedButton = parseOpsCustomId(customId);
      if (!parsedButton) return { kind: 'answer', content: POLITE.badOpsButton, reason: 'bad_ops_button' };
      return opsPlan(i, parsedButton, at, traceparent);
    }
    case InteractionType.ApplicationCommand: {
      const name = i.data?.name ?? '';
      if (i.data?.type !== undefined && i.data.type !== 1) return { kind: 'answer', content: POLITE.unknownCommand, reason: 'context_menu' };
      const { subcommand, args } = commandOptions(i.data?.options ?? []);
      if (name === 'join' || name === 'leave') return { kind: 'answer', content: POLITE.voiceNotYet, reason: `voice_${name}` };
      if (name === 'oncall') return opsPlan(i, { action: 'oncall' }, at, traceparent);
      if (name === 'slo') {
        // Read-only, so anyone may ask (ops checks no role for it). Discord sends a boolean option as true/false.
        const service = args.service?.trim().toLowerCase() || undefined;
        if (service !== undefined && !SloServiceName.safeParse(service).success) return { kind: 'answer', content: POLITE.badSloService, reason: 'slo_service_invalid' };
        return opsPlan(i, { action: 'slo', ...(service ? { service } : {}), ...(args.share === 'true' ? { share: true } : {}) }, at, traceparent);
      }
      if (name === 'incident') {
        const action = OpsActionKind.safeParse(subcommand);
        if (!action.success || !['ack', 'resolve', 'silence', 'note'].includes(action.data)) return { kind: 'answer', content: POLITE.unknownCommand, reason: 'incident_subcommand' };
        const minutes = Number(args.minutes ?? 60);
        return opsPlan(
          i,
          {
            action: action.data,
            ...(args.id ? { incidentId: args.id } : {}),
            ...(action.data === 'silence' && Number.isInteger(minutes) && minutes > 0 ? { durationSec: Math.min(minutes * 60, MAX_SILENCE_SEC) } : {}),
            ...(action.data === 'note' && args.text ? { note: args.text } : {}),
          },
          at,
          traceparent,
        );
      }
      if (COMPANION.has(name)) return turnPlan(i, name as CompanionCommandName, args, at, traceparent);
      return { kind: 'answer', content: POLITE.unknownCommand, reason: 'unknown_command' };
    }
    default:
      return { kind: 'answer', content: POLITE.unsupported, reason: `type_${i.type}` };
  }
}

interface OpsIntent {
  action: OpsActionKind;
  incidentId?: string;
  durationSec?: number;
  note?: string;
  service?: string;
  share?: boolean;
}

/**
 * Reads an ops button id: `ops:<action>[:<incidentId>[:<durationSec>]]`, e.g. `ops:ack:inc-1`,
 * `ops:silence:inc-1:3600`. Undefined when the action is unknown or a part is malformed.
 */
export function parseOpsCustomId(customId: string): OpsIntent | undefined {
  const [prefix, action, incidentId, duration, ...rest] = customId.split(':');
  if (prefix !== 'ops' || rest.length > 0) return undefined;
  const kind = OpsActionKind.safeParse(action);
  if (!kind.success) return undefined;
  if (incidentId !== undefined && !/^[\w.-]{1,128}$/.test(incidentId)) return undefined;
  if (duration !== undefined && !/^\d{1,9}$/.test(duration)) return undefined;
  const durationSec = duration === undefined ? undefined : Number(duration);
  if (durationSec !== undefined && (durationSec < 1 || durationSec > MAX_SILENCE_SEC)) return undefined;
  return { action: kind.data, ...(incidentId ? { incidentId } : {}), ...(durationSec ? { durationSec } : {}) };
}

/** A slash command's options as strings, with its subcommand (options below a subcommand are hoisted). */
function commandOptions(options: RawOption[]): { subcommand: string | undefined; args: Record<string, string> } {
  let list = options;
  let subcommand: string | undefined;
  const first = list[0];
  if (first && (first.type === 1 || first.type === 2)) {
    subcommand = first.name;
    list = first.options ?? [];
    const nested = list[0];
    if (first.type === 2 && nested?.type === 1) {
      subcommand = nested.name;
      list = nested.options ?? [];
    }
  }
  const args: Record<string, string> = {};
  for (const o of list.slice(0, 25)) {
    if (o.value === undefined || o.value === null || typeof o.value === 'object') continue;
    args[o.name.slice(0, 64)] = String(o.value).slice(0, 4_000);
  }
  return { subcommand, args };
}

const THREADS = new Set([10, 11, 12]);
const DMS = new Set([1, 3]);

function placeOf(i: RawInteraction): { channelId: string; guildId: string | undefined; place: PlaceKind; placeName: string | undefined; parentId: string | undefined } {
  const channelId = i.channel?.id ?? i.channel_id ?? '';
  const type = i.channel?.type;
  const place: PlaceKind = type !== undefined && THREADS.has(type) ? 'thread' : !i.guild_id || (type !== undefined && DMS.has(type)) ? 'dm' : 'group';
  return { channelId, guildId: i.guild_id, place, placeName: i.channel?.name ?? undefined, parentId: place === 'thread' ? (i.channel?.parent_id ?? undefined) : undefined };
}

function actorOf(i: RawInteraction): { id: string; displayName: string; bot: boolean; roles: string[] } | undefined {
  const user = i.member?.user ?? i.user;
  if (!user) return undefined;
  const displayName = (i.member?.nick || user.global_name || user.username || user.id).slice(0, 256);
  // @everyone (the guild id) is implied for every member and not a role anyone was given.
  const roles = (i.member?.roles ?? []).filter((r) => r !== i.guild_id).slice(0, 250);
  return { id: user.id, displayName, bot: Boolean(user.bot), roles };
}

/**
 * Where the interaction's answer goes: its webhook (ephemeral), so ops and the brain can answer privately.
 * The token is not in it: the bot keeps it in Redis (InteractionAcks) and delivery looks it up by the id.
 */
function interactionRoute(i: RawInteraction): Record<string, string> {
  return { [RouteKey.interactionId]: i.id, [RouteKey.applicationId]: i.application_id, [RouteKey.ephemeral]: '1' };
}

function opsPlan(i: RawInteraction, intent: OpsIntent, at: string, traceparent: string): InteractionPlan {
  const actor = actorOf(i);
  const place = placeOf(i);
  if (!actor || !place.channelId) return { kind: 'drop', reason: 'interaction without a user or channel' };
  const action = OpsAction.safeParse({
    v: 1,
    platform: 'discord',
    eventId: i.id,
    ...intent,
    actor: { accountId: actor.id, displayName: actor.displayName || actor.id, roles: actor.roles },
    conversation: conversationOf(place),
    ...(i.message?.id ? { messageId: i.message.id } : {}),
    reply: interactionRoute(i),
    receivedAt: at,
    traceparent,
  } satisfies OpsActionInput);
  if (!action.success) return { kind: 'answer', content: POLITE.badOpsButton, reason: 'ops_action_invalid' };
  return { kind: 'ops', action: action.data };
}

function turnPlan(i: RawInteraction, name: CompanionCommandName, args: Record<string, string>, at: string, traceparent: string): InteractionPlan {
  const actor = actorOf(i);
  const place = placeOf(i);
  if (!actor || !place.channelId) return { kind: 'drop', reason: 'interaction without a user or channel' };
  const readable = [`/${name}`, ...Object.values(args)].join(' ').trim();
  const turn = InboundTurn.safeParse({
    v: 1,
    platform: 'discord',
    eventId: i.id,
    conversation: conversationOf(place, interactionRoute(i)),
    author: { accountId: actor.id, displayName: actor.displayName || actor.id, isBot: actor.bot },
    text: readable,
    receivedAt: at,
    modality: 'text',
    command: { name, args },
    traceparent,
  } satisfies InboundTurnInput);
  if (!turn.success) return { kind: 'answer', content: POLITE.unknownCommand, reason: 'command_invalid' };
  return { kind: 'turn', turn: turn.data };
}
