import { z } from 'zod';
import { ConversationRef, PlatformAccountId, PlatformEventId, Route } from './envelope.ts';
import { Platform } from './platform.ts';
import { Traceparent } from './trace.ts';

/** Actions taken in chat (buttons on an incident message, `/incident`, `/oncall`, `/slo`), for the ops service. */
export const OPS_ACTIONS_QUEUE = 'ops-actions';

/**
 * What the person asked ops to do. `oncall` asks who is on call; `slo` asks for the SLOs' error budgets.
 * Both only read, so ops answers anyone; every other kind changes an incident and needs an on-call role.
 */
export const OpsActionKind = z.enum(['ack', 'resolve', 'silence', 'unsilence', 'escalate', 'note', 'oncall', 'slo']);
export type OpsActionKind = z.infer<typeof OpsActionKind>;

/** Kinds that only read (anyone may ask); the rest act on an incident (on-call only). */
export const READ_ONLY_OPS_ACTIONS: ReadonlySet<OpsActionKind> = new Set<OpsActionKind>(['oncall', 'slo']);

/** A service name as SLO spec files spell it (`/slo service:helix`): lowercase letters, digits, - or _. */
export const SloServiceName = z.string().min(1).max(63).regex(/^[a-z][a-z0-9_-]*$/, 'must be a service name from an SLO spec: lowercase letters, digits, - or _');

/** Longest silence one action may ask for (30 days). */
export const MAX_SILENCE_SEC = 30 * 86_400;

/** The person who acted, with their platform role ids: ops checks rights against these, never the display name. */
export const OpsActor = z.object({
  accountId: PlatformAccountId,
  displayName: z.string().min(1).max(256),
  /** Role ids the person holds where they acted (a Discord guild's role snowflakes; empty in DMs). */
  roles: z.array(z.string().min(1).max(64)).max(250).default([]),
});
export type OpsActor = z.infer<typeof OpsActor>;

/**
 * One ops action taken in chat: what every bot puts on `ops-actions`. The interaction id is the event id,
 * so a redelivered click is one action. `reply` is how ops answers the person privately: copy it into an
 * outbound reply's `conversation.route` with `private: true` (on Discord it holds the interaction's id,
 * token and application id; the token works for 15 minutes).
 */
export const OpsAction = z.object({
  v: z.literal(1),
  platform: Platform,
  eventId: PlatformEventId,
  action: OpsActionKind,
  incidentId: z.string().min(1).max(128).optional(),
  durationSec: z.number().int().positive().max(MAX_SILENCE_SEC).optional(),
  note: z.string().max(2_000).optional(),
  /** `slo`: only this service's SLOs. */
  service: SloServiceName.optional(),
  /** `slo`: post the answer in the channel for everyone instead of only to the person who asked. */
  share: z.boolean().optional(),
  actor: OpsActor,
  /** The channel (or DM) where the action was taken. */
  conversation: ConversationRef,
  /** The message whose button was clicked, if any (the incident message to update). */
  messageId: z.string().min(1).max(64).optional(),
  reply: Route.optional(),
  receivedAt: z.iso.datetime({ offset: true }),
  traceparent: Traceparent,
});
export type OpsAction = z.infer<typeof OpsAction>;
export type OpsActionInput = z.input<typeof OpsAction>;
