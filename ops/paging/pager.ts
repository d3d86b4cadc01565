import { HelixError, hasErrorCode } from '../../mesh/index.ts';

/**
 * The last step of an escalation: paging someone outside Discord. Each transport (PagerDuty Events v2,
 * Twilio SMS, email over SMTP) implements this; escalation only sees the interface.
 */
export interface PageRequest {
  /** Stable per incident: a repeated page for the same incident updates, never duplicates, where the transport can. */
  readonly dedupKey: string;
  readonly incidentId: string;
  /** One line, plain text, already truncated for display. */
  readonly summary: string;
  readonly severity: 'critical' | 'error' | 'warning' | 'info';
  /** Who should get it (a phone number, an e-mail address); transports that route themselves ignore it. */
  readonly to?: readonly string[];
  /** Where to look (the incident's Discord message or runbook). */
  readonly url?: string;
  /** `trigger` opens or re-sends a page; `resolve` closes it where the transport supports that. */
  readonly action: 'trigger' | 'resolve';
  /**
   * Recipients that took this request on an earlier try, masked as {@link maskRecipient} writes them (the
   * timeline keeps no full phone numbers). A transport that sends to each recipient on its own leaves them out,
   * except where two of its recipients share a mask: both are sent to then (a repeat beats a miss).
   */
  readonly alreadySent?: readonly string[];
}

/**
 * A page that reached some of its recipients and not the others: `delivered` (masked) took it, so a retry
 * can leave them out. `code` says what the failures were, as for any pager error.
 */
export class PartlySentError extends HelixError {
  readonly delivered: readonly string[];

  constructor(code: 'page_failed' | 'page_refused', message: string, delivered: readonly string[], options: { cause?: unknown; retryAfterMs?: number }) {
    super(code, message, options);
    this.delivered = delivered;
  }
}

/** What became of one page or resolve through one transport, as metrics count it: `err` is what `page` threw, if anything. */
export function pageOutcome(err?: unknown): 'sent' | 'partly_sent' | 'failed' | 'refused' {
  if (err === undefined) return 'sent';
  if (err instanceof PartlySentError) return 'partly_sent';
  return hasErrorCode(err, 'page_refused') ? 'refused' : 'failed';
}

/** How logs, errors and the timeline show a recipient: the last four digits of a phone number; e-mail addresses as they are. */
export function maskRecipient(recipient: string): string {
  return recipient.includes('@') || recipient.length <= 4 ? recipient : `…${recipient.slice(-4)}`;
}

/** `recipients` without those named (masked) in `alreadySent`, keeping any whose mask another recipient shares. */
export function notYetSent(recipients: readonly string[], alreadySent: readonly string[] | undefined): string[] {
  if (!alreadySent?.length) return [...recipients];
  const sent = new Set(alreadySent);
  const masks = recipients.map(maskRecipient);
  return recipients.filter((_, i) => !sent.has(masks[i]!) || masks.indexOf(masks[i]!) !== masks.lastIndexOf(masks[i]!));
}

export interface Pager {
  readonly kind: 'pagerduty' | 'twilio' | 'email';
  /**
   * Resolves once the transport accepted the page; throws a HelixError otherwise: `page_refused` when the
   * transport said no to the request itself (credentials, an invalid key or number: sending it again cannot
   * help), else `page_failed`.
   */
  page(request: PageRequest): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
}
