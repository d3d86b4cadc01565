import type { Queue } from 'bullmq';
import {
  OutboundReply, newTraceparent, outboundJobOptions, safePart,
  type ConversationRef, type Embed, type Logger, type OutboundReplyInput, type Route, type Traceparent,
} from '../../mesh/index.ts';
import type { OpsSection } from '../../config/index.ts';
import { SLO_BUDGET_ENTRY, type Incident } from '../incidents/incident.ts';
import type { IncidentStore } from '../incidents/incident-store.ts';
import { renderIncident } from './render-incident.ts';

export interface PublisherOptions {
  /** `outbound-discord`. */
  outbound: Queue;
  store: IncidentStore;
  ops: OpsSection;
  dedupeWindowSec: number;
  log: Logger;
  now?: () => Date;
}

/**
 * Puts ops' messages on `outbound-discord`: the incident message (edited in place, one job per incident
 * version, coalesced: a version already superseded by a rendered newer one sends nothing), reminders in
 * the incident's channel, and private answers to the person who acted.
 */
export class Publisher {
  readonly #o: PublisherOptions;
  readonly #now: () => Date;

  constructor(opts: PublisherOptions) {
    this.#o = opts;
    this.#now = opts.now ?? (() => new Date());
  }

  /** Role ids pinged for a severity. */
  mentionsFor(severity: Incident['severity']): string[] {
    return [...(this.#o.ops.mentionRoles[severity] ?? [])];
  }

  /** Renders the incident's current state onto its message unless a newer render went out already. */
  async publish(incidentId: string, traceparent?: Traceparent): Promise<'sent' | 'coalesced' | 'no_channel'> {
    const incident = await this.#o.store.get(incidentId);
    if (!incident) return 'coalesced';
    if (!incident.channelId) {
      this.#o.log.warn({ incident: incidentId }, 'no Discord channel for this incident: set ops.channelId or a matching ops.routes entry');
      return 'no_channel';
    }
    if (incident.renderedVersion >= incident.version) return 'coalesced';
    const [alerts, timeline, sloBudget] = await Promise.all([this.#o.store.alerts(incidentId), this.#o.store.timeline(incidentId, 10), this.#o.store.latestEntry(incidentId, SLO_BUDGET_ENTRY)]);
    const reply = renderIncident(incident, alerts, timeline, { now: this.#now(), mentionRoles: this.mentionsFor(incident.severity), sloBudget, ...(traceparent ? { traceparent } : {}) });
    // Queue first, then mark rendered: a crash in between re-sends the same job id (a no-op), never loses it.
    await this.#o.outbound.add('reply', reply, outboundJobOptions(safePart(reply.replyId), 'final', { dedupeWindowSec: this.#o.dedupeWindowSec }));
    await this.#o.store.claimRender(incidentId, incident.version);
    return 'sent';
  }

  /** A new message in the incident's channel (an escalation reminder), pinging `mentionRoles` and naming `users`. */
  async notify(incident: Incident, key: string, text: string, mentionRoles: readonly string[], traceparent?: Traceparent): Promise<void> {
    if (!incident.channelId) return;
    const channelId = incident.channelId;
    await this.#send({
      replyId: `ops-${incident.id}-${key}`,
      conversation: { id: channelId, kind: 'group', title: 'ops', route: { channelId } },
      parts: [text],
      mentionRoles: [...mentionRoles],
      traceparent: traceparent ?? newTraceparent(),
    });
  }

  /** A private answer to whoever acted (an ephemeral reply through their interaction), with optional embeds (the `/slo` card). */
  async answer(eventId: string, conversation: ConversationRef, reply: Route | undefined, text: string, traceparent: Traceparent, embeds: readonly Embed[] = []): Promise<void> {
    await this.#send({
      replyId: `ops-answer-${eventId}`,
      conversation: { ...conversation, route: { ...conversation.route, ...reply } },
      parts: text ? [text] : [],
      embeds: [...embeds],
      private: true,
      traceparent,
    });
  }

  /**
   * A message for everyone in the channel where someone asked (`/slo share:true`). Posted as a new channel
   * message, not through the interaction: the bot defers every ops interaction privately.
   */
  async share(eventId: string, conversation: ConversationRef, embeds: readonly Embed[], traceparent: Traceparent): Promise<void> {
    const channelId = conversation.route?.channelId ?? conversation.id;
    await this.#send({
      replyId: `ops-share-${eventId}`,
      conversation: { id: conversation.id, kind: conversation.kind, ...(conversation.title ? { title: conversation.title } : {}), route: { channelId } },
      parts: [],
      embeds: [...embeds],
      traceparent,
    });
  }

  async #send(input: Pick<OutboundReplyInput, 'replyId' | 'conversation' | 'parts' | 'traceparent'> & Partial<OutboundReplyInput>): Promise<void> {
    const reply = OutboundReply.parse({ v: 1, platform: 'discord', kind: 'final', createdAt: this.#now().toISOString(), ...input } satisfies OutboundReplyInput);
    await this.#o.outbound.add('reply', reply, outboundJobOptions(safePart(reply.replyId), 'final', { dedupeWindowSec: this.#o.dedupeWindowSec }));
  }
}
