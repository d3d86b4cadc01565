import type { HelixConfig } from '../../config/index.ts';
import type { Logger } from '../../mesh/index.ts';
import { EmailPager } from './email.ts';
import type { Pager } from './pager.ts';
import { PagerDutyPager } from './pagerduty.ts';
import { TwilioPager } from './twilio.ts';

/** The `paging` config section, already parsed. */
export type PagingConfig = HelixConfig['paging'];

/**
 * Builds the pagers the config sets up, in a fixed order (PagerDuty, Twilio, e-mail); an empty list when none is.
 * The config schema has already checked that each transport's keys are complete.
 */
export function createPagers(config: PagingConfig, log?: Logger): Pager[] {
  const http = { maxRetries: config.maxRetries, timeoutMs: config.timeoutMs, ...(log ? { log } : {}) };
  const pagers: Pager[] = [];
  const pd = config.pagerduty;
  if (pd.routingKey) pagers.push(new PagerDutyPager({ routingKey: pd.routingKey, baseUrl: pd.baseUrl, source: pd.source, ...http }));
  const tw = config.twilio;
  if (tw.accountSid && tw.authToken && tw.from) pagers.push(new TwilioPager({ accountSid: tw.accountSid, authToken: tw.authToken, from: tw.from, to: tw.to, baseUrl: tw.baseUrl, ...http }));
  const em = config.email;
  if (em.from && (em.smtpUrl || em.host)) {
    const smtp = em.smtpUrl ? { url: em.smtpUrl } : { host: em.host as string, port: em.port, secure: em.secure, user: em.user, password: em.password };
    pagers.push(new EmailPager({ smtp, from: em.from, to: em.to, ...http }));
  }
  return pagers;
}

/** What each configured pager is, for logs (never the secrets). */
export function describePagers(pagers: readonly Pager[]): string[] {
  return pagers.map((p) => p.kind);
}
