import { HelixError, hasErrorCode, type Logger, type Traceparent } from '../../mesh/index.ts';
import type { Publisher } from '../discord/publisher.ts';
import type { Incident } from '../incidents/incident.ts';
import type { IncidentStore } from '../incidents/incident-store.ts';
import { PartlySentError, pageOutcome, type Pager } from '../paging/pager.ts';
import type { OpsMetrics } from '../ops-metrics.ts';
import {
  PAGED_ENTRY, PAGE_RECORD_SCAN, PAGE_RESOLVED_ENTRY, PAGE_RESOLVED_PARTLY_ENTRY, PAGE_RESOLVE_FAILED_ENTRY, type PagerKind, pageDedupKey, pagedTransports, partlyResolvedDetail,
  partlyResolvedRecipients, resolvedDetail, resolvedTransports,
} from './page-record.ts';

/** The resolve did not go through every transport (`page_failed` or `page_refused`); `sent` took it in this call. */
export class PageResolveError extends HelixError {
  readonly sent: readonly PagerKind[];

  constructor(code: 'page_failed' | 'page_refused', message: string, sent: readonly PagerKind[], options: { cause?: unknown; retryAfterMs?: number }) {
    super(code, message, options);
    this.sent = sent;
  }
}

export interface ResolvePagesOptions {
  store: IncidentStore;
  /** The configured transports; a transport that paged but is no longer configured is skipped (logged). */
  pagers: readonly Pager[];
  publisher: Pick<Publisher, 'publish'>;
  /** The `pageTo` addresses of the people a transport paged, as the schedule says now. */
  pageToOf: (discordIds: readonly string[]) => string[];
  log: Logger;
  now?: () => Date;
  /** Counts each resolve by transport and outcome (`action: resolve`). */
  pages?: OpsMetrics['pages'];
}

/**
 * Sends `resolve` to every transport that paged a now resolved incident: PagerDuty gets `event_action: resolve`
 * with the page's dedup key, e-mail a "[Helix resolved]" mail in the page's thread, SMS a short "[Helix RESOLVED]"
 * text to the same people (a text cannot be taken back, and whoever was woken up should learn it is over; nobody
 * who was not paged is texted).
 *
 * The timeline is the idempotency record: only transports with a `paged` entry and no `page_resolved` entry are
 * sent the resolve, and each success is recorded at once. When a transport fails (after its own retries), the
 * others still go out, the failure is recorded once, and a `page_failed` error is thrown so the queue retries the
 * job, which then sends only what is still missing: the other transports are not sent it again, and an SMS resolve
 * that reached some numbers is recorded (masked numbers, `page_resolved_partly`) so the retry texts only the
 * others. When every failure was a refusal (`page_refused`: bad
 * credentials, an invalid key), retrying cannot help: the error is `page_refused`, which the queue does not
 * retry, and the timeline says to resolve the page in that service by hand. A crash between a send and its record re-sends that one
 * resolve on the retry (at least once; PagerDuty's resolve is idempotent by dedup key).
 *
 * Returns the transports that took the resolve in this call.
 */
export async function resolvePages(incident: Incident, o: ResolvePagesOptions, traceparent?: Traceparent): Promise<PagerKind[]> {
  if (incident.state !== 'resolved') return [];
  // Most incidents are never paged: one look-up (newest `paged` entry) spares reading their whole timeline on every resolve and re-send.
  if (!(await o.store.latestEntry(incident.id, PAGED_ENTRY))) return [];
  const timeline = await o.store.timeline(incident.id, PAGE_RECORD_SCAN);
  const paged = pagedTransports(timeline);
  if (paged.size === 0) return [];
  const done = resolvedTransports(timeline);
  const partly = partlyResolvedRecipients(timeline);
  const now = () => o.now?.() ?? new Date();
  const sent: PagerKind[] = [];
  const failures: { kind: PagerKind; err: unknown }[] = [];
  const by = incident.resolvedBy && incident.resolvedBy !== incident.source ? ` (resolved by ${incident.resolvedBy})` : ' (every alert resolved)';
  const summary = `[${incident.severity}] ${incident.title}${by}`.slice(0, 1_000);
  for (const [kind, people] of paged) {
    if (done.has(kind)) continue;
    const pager = o.pagers.find((p) => p.kind === kind);
    if (!pager) {
      o.log.warn({ incident: incident.id, pager: kind }, 'incident was paged through a transport that is no longer configured: no resolve sent');
      continue;
    }
    const to = people.length ? o.pageToOf(people) : [];
    const alreadySent = partly.get(kind) ?? [];
    try {
      await pager.page({ dedupKey: pageDedupKey(incident.id), incidentId: incident.id, summary, severity: incident.severity, ...(to.length ? { to } : {}), action: 'resolve', ...(alreadySent.length ? { alreadySent } : {}) });
    } catch (err) {
      o.pages?.inc({ transport: kind, action: 'resolve', outcome: pageOutcome(err) });
      failures.push({ kind, err });
      if (err instanceof PartlySentError) {
        // Recorded first: a retry texts only the recipients still missing.
        const delivered = [...new Set([...alreadySent, ...err.delivered])];
        await o.store.note(incident.id, PAGE_RESOLVED_PARTLY_ENTRY, undefined, partlyResolvedDetail(kind, delivered), `page-resolved-partly-${kind}-${delivered.join('').replace(/[^0-9A-Za-z]/g, '')}`, now());
      }
      const refused = hasErrorCode(err, 'page_refused');
      o.log.error({ incident: incident.id, pager: kind, err: (err as Error).message }, refused ? 'resolving a page was refused; fix the paging settings' : 'resolving a page failed; the job is retried');
      const next = refused ? ` Helix does not retry a refused resolve: fix paging.${kind} and resolve the page in ${kind} by hand.` : ' Helix retries.';
      await o.store.note(incident.id, PAGE_RESOLVE_FAILED_ENTRY, undefined, `${kind}: ${(err as Error).message}${next}`, `page-resolve-failed-${kind}`, now());
      continue;
    }
    o.pages?.inc({ transport: kind, action: 'resolve', outcome: 'sent' });
    await o.store.note(incident.id, PAGE_RESOLVED_ENTRY, undefined, resolvedDetail(kind), `page-resolved-${kind}`, now(), true);
    sent.push(kind);
  }
  if (sent.length) {
    o.log.info({ incident: incident.id, pagers: sent }, 'page resolved');
    await o.publisher.publish(incident.id, traceparent);
  }
  if (failures.length) {
    const retryAfter = failures.map((f) => (f.err as { retryAfterMs?: unknown }).retryAfterMs).find((ms): ms is number => typeof ms === 'number');
    const kinds = failures.map((f) => f.kind).join(', ');
    if (failures.every((f) => hasErrorCode(f.err, 'page_refused'))) {
      throw new PageResolveError(
        'page_refused',
        `${kinds} refused the resolve of ${incident.id}'s page (${failures.map((f) => (f.err as Error).message).join(' ')}). Sending it again cannot help: fix the paging.* settings of ${kinds} and resolve the page there by hand.`,
        sent,
        { cause: failures[0]?.err },
      );
    }
    throw new PageResolveError(
      'page_failed',
      `The resolve of ${incident.id}'s page did not go through ${kinds} (${failures.map((f) => (f.err as Error).message).join(' ')}). The job is retried; transports that took the resolve are not sent it again. Check the paging.* settings of ${kinds}.`,
      sent,
      { cause: failures[0]?.err, ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}) },
    );
  }
  return sent;
}
