import { z } from 'zod';
import { listOf, port, url } from './fields.ts';

const phone = z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be a phone number in E.164 form, such as +15551234567');

/** SLOs (ops/slo): spec files, the Prometheus that evaluates their rules, and where `npm run slo:rules` writes them. */
export const SloSection = z.object({
  /** SLO spec files (YAML). @defaultValue `["ops/slo/helix.slo.yaml"]` */
  specFiles: listOf(z.string().min(1)).default(['ops/slo/helix.slo.yaml']),
  /** Prometheus base URL that loads the generated rules; `/slo` and SLO pages read budgets from it. Unset: no budgets shown. */
  prometheusUrl: url.optional(),
  /** Where `npm run slo:rules` (without arguments) writes the generated rule file. @defaultValue `./data/slo-rules.yml` */
  rulesOut: z.string().min(1).default('./data/slo-rules.yml'),
  /** Longest one Prometheus query may take. @defaultValue `10000` */
  queryTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
});

/** PagerDuty Events API v2. Pages when `routingKey` is set. */
const PagerDutySection = z.object({
  /** The integration's routing key (secret: prefer HELIX_PAGING__PAGERDUTY__ROUTING_KEY_FILE). Unset: no PagerDuty. */
  routingKey: z.string().min(20, 'does not look like a PagerDuty routing key (32 characters)').optional(),
  /** @defaultValue `https://events.pagerduty.com` */
  baseUrl: url.default('https://events.pagerduty.com'),
  /** `payload.source` of every event. @defaultValue `helix` */
  source: z.string().min(1).max(255).default('helix'),
});

/** Twilio SMS. Pages when `accountSid`, `authToken` and `from` are set. */
const TwilioSection = z.object({
  /** Account SID, `AC…`. */
  accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be a Twilio Account SID (AC followed by 32 hex digits)').optional(),
  /** Auth token (secret: prefer HELIX_PAGING__TWILIO__AUTH_TOKEN_FILE). */
  authToken: z.string().min(16, 'does not look like a Twilio auth token').optional(),
  /** Sender: a Twilio number in E.164 form, or a Messaging Service SID (`MG…`). */
  from: z.union([phone, z.string().regex(/^MG[0-9a-fA-F]{32}$/)], 'must be a phone number in E.164 form (+15551234567) or a Messaging Service SID (MG…)').optional(),
  /** Numbers paged when the on-call member has no `pageTo`. @defaultValue `[]` */
  to: listOf(phone).default([]),
  /** @defaultValue `https://api.twilio.com` */
  baseUrl: url.default('https://api.twilio.com'),
});

/** E-mail over SMTP. Pages when `from` and `smtpUrl` (or `host`) are set. */
const EmailSection = z.object({
  /** `smtp://user:password@host:587` or `smtps://…:465` (secret when it holds a password: prefer HELIX_PAGING__EMAIL__SMTP_URL_FILE). */
  smtpUrl: z.string().regex(/^smtps?:\/\/[^\s]+$/, 'must start with smtp:// or smtps://').optional(),
  /** SMTP host, when `smtpUrl` is unset. */
  host: z.string().min(1).optional(),
  /** @defaultValue `587` */
  port: port.default(587),
  /** TLS from the start (port 465); false upgrades with STARTTLS when offered. @defaultValue `false` */
  secure: z.boolean().default(false),
  /** SMTP user. */
  user: z.string().min(1).optional(),
  /** SMTP password (secret: prefer HELIX_PAGING__EMAIL__PASSWORD_FILE). */
  password: z.string().min(1).optional(),
  /** Sender address. */
  from: z.string().min(3).optional(),
  /** Addresses paged when the on-call member has no `pageTo`. @defaultValue `[]` */
  to: listOf(z.email()).default([]),
});

/** Paging transports for the last escalation step (ops/paging). Each runs when configured. */
export const PagingSection = z
  .object({
    /** Retries of one page on rate limits, 5xx and temporary failures. @defaultValue `3` */
    maxRetries: z.number().int().min(0).max(10).default(3),
    /** Longest one attempt may take. @defaultValue `10000` */
    timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
    pagerduty: PagerDutySection.prefault({}),
    twilio: TwilioSection.prefault({}),
    email: EmailSection.prefault({}),
  })
  .superRefine((p, ctx) => {
    const t = p.twilio;
    if (t.accountSid || t.authToken || t.from) {
      for (const key of ['accountSid', 'authToken', 'from'] as const) {
        if (!t[key]) ctx.addIssue({ code: 'custom', path: ['twilio', key], message: 'required with the other Twilio keys (paging.twilio.accountSid, authToken and from go together)' });
      }
    }
    const e = p.email;
    if (e.smtpUrl || e.host || e.from) {
      if (!e.smtpUrl && !e.host) ctx.addIssue({ code: 'custom', path: ['email', 'smtpUrl'], message: 'set paging.email.smtpUrl (or paging.email.host) to page by e-mail' });
      if (!e.from) ctx.addIssue({ code: 'custom', path: ['email', 'from'], message: 'required to page by e-mail (the sender address)' });
    }
    if (e.password && !e.user) ctx.addIssue({ code: 'custom', path: ['email', 'user'], message: 'required when paging.email.password is set' });
  });
