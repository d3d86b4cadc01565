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
