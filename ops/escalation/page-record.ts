import type { TimelineEntry } from '../incidents/incident.ts';
import type { Pager } from '../paging/pager.ts';

/**
 * How paging is recorded in an incident's timeline. The timeline is the record of what went out: a `paged`
 * entry per transport that took the trigger, a `page_resolved` entry per transport that took the resolve.
 * Resolving reads them back, so it resolves only what was paged and never sends a resolve twice.
 */
export type PagerKind = Pager['kind'];

/** A transport took the trigger. Detail: `paged through <kind>[ for <@id>, <@id>]`. */
export const PAGED_ENTRY = 'paged';
/** A trigger failed after the pager's retries (nothing to resolve for that transport). */
export const PAGE_FAILED_ENTRY = 'page_failed';
/** A page that failed is sent again later. Detail: `paging again through <kind>[, <kind>] in <n> s (retry <a> of <max>)`. */
export const PAGE_RETRY_ENTRY = 'page_retry';
/** A transport took the resolve. Detail: `resolve sent through <kind>`. */
export const PAGE_RESOLVED_ENTRY = 'page_resolved';
/**
 * A transport took the resolve for some of its recipients only (SMS to several numbers). Detail:
 * `resolve sent through <kind> to …1111, …2222` (masked). A retry leaves those recipients out.
 */
export const PAGE_RESOLVED_PARTLY_ENTRY = 'page_resolved_partly';
/** A resolve failed; the job is retried (recorded once per transport). */
export const PAGE_RESOLVE_FAILED_ENTRY = 'page_resolve_failed';

/** Timeline entries read to find the paging record (an incident's whole timeline in practice). */
export const PAGE_RECORD_SCAN = 10_000;

const KINDS: readonly PagerKind[] = ['pagerduty', 'twilio', 'email'];
const PAGED = /^paged through (pagerduty|twilio|email)\b/;
const RESOLVED = /^resolve sent through (pagerduty|twilio|email)\b/;
const RESOLVED_TO = /^resolve sent through (pagerduty|twilio|email) to (.+)$/;
const MENTION = /<@(\d{15,22})>/g;

/** The dedup key of every page of an incident: PagerDuty's alert key, the e-mail thread. */
export function pageDedupKey(incidentId: string): string {
  return `helix-${incidentId}`;
}

/** Detail of a `paged` entry: the transport and the Discord ids of the people whose `pageTo` it used. */
export function pagedDetail(kind: PagerKind, discordIds: readonly string[]): string {
  return `paged through ${kind}${discordIds.length ? ` for ${discordIds.map((id) => `<@${id}>`).join(', ')}` : ''}`;
}

/** Detail of a `page_resolved` entry. */
export function resolvedDetail(kind: PagerKind): string {
  return `resolve sent through ${kind}`;
}

/** Detail of a `page_resolved_partly` entry: the recipients (masked) that took the resolve. */
export function partlyResolvedDetail(kind: PagerKind, delivered: readonly string[]): string {
  return `resolve sent through ${kind} to ${delivered.join(', ')}`;
}

/** Per transport, the recipients (masked) that took the resolve while others failed. Pure. */
export function partlyResolvedRecipients(timeline: readonly TimelineEntry[]): Map<PagerKind, string[]> {
  const partly = new Map<PagerKind, string[]>();
  for (const entry of timeline) {
    if (entry.kind !== PAGE_RESOLVED_PARTLY_ENTRY) continue;
    const m = RESOLVED_TO.exec(entry.detail);
    if (!m) continue;
    const kind = m[1] as PagerKind;
    partly.set(kind, [...new Set([...(partly.get(kind) ?? []), ...m[2]!.split(', ')])]);
  }
  return partly;
}

/** What the timeline says was paged: per transport, the people it paged (empty = the transport's configured recipients). Pure. */
export function pagedTransports(timeline: readonly TimelineEntry[]): Map<PagerKind, string[]> {
  const paged = new Map<PagerKind, string[]>();
  for (const entry of timeline) {
    if (entry.kind !== PAGED_ENTRY) continue;
    const kind = PAGED.exec(entry.detail)?.[1] as PagerKind | undefined;
    if (!kind || !KINDS.includes(kind)) continue;
    const ids = [...entry.detail.matchAll(MENTION)].map((m) => m[1] as string);
    paged.set(kind, [...new Set([...(paged.get(kind) ?? []), ...ids])]);
  }
  return paged;
}

/** Transports that already took the resolve. Pure. */
export function resolvedTransports(timeline: readonly TimelineEntry[]): Set<PagerKind> {
  const done = new Set<PagerKind>();
  for (const entry of timeline) {
    if (entry.kind !== PAGE_RESOLVED_ENTRY) continue;
    const kind = RESOLVED.exec(entry.detail)?.[1] as PagerKind | undefined;
    if (kind) done.add(kind);
  }
  return done;
}
