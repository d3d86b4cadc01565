/** Paging transports: what the rest of ops/ (escalation) may use. */
export type { Pager, PageRequest } from './pager.ts';
export { PartlySentError, maskRecipient } from './pager.ts';
export { PagerDutyPager, PAGERDUTY_LIMITS, type PagerDutyPagerOptions } from './pagerduty.ts';
export { TwilioPager, TWILIO_LIMITS, smsText, type TwilioPagerOptions } from './twilio.ts';
export { EmailPager, type EmailPagerOptions, type SmtpServer } from './email.ts';
export { createPagers, describePagers, type PagingConfig } from './create-pagers.ts';
export { DefaultPagerHttpOptions, type PagerHttpOptions } from './http.ts';
