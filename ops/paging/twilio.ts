import { z } from 'zod';
import { HelixError, hasErrorCode, type Logger } from '../../mesh/index.ts';
import { DefaultPagerHttpOptions, type PagerHttpOptions, definedOnly, postForPage } from './http.ts';
import { PartlySentError, maskRecipient, notYetSent, type Pager, type PageRequest } from './pager.ts';

/** Twilio Messages limits. @see https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource */
export const TWILIO_LIMITS = { body: 1_600 } as const;

export interface TwilioPagerOptions extends Partial<PagerHttpOptions> {
  /** Account SID (`AC…`). */
  accountSid: string;
  /** Auth token. Secret. */
  authToken: string;
  /** Sender: a Twilio phone number (E.164) or a Messaging Service SID (`MG…`). */
  from: string;
  /** Numbers paged when a request names none. @defaultValue `[]` */
  to?: readonly string[];
  /** @defaultValue `https://api.twilio.com` */
  baseUrl?: string;
  /** Logs each page sent (numbers masked). */
  log?: Logger;
}

const E164 = /^\+[1-9]\d{6,14}$/;

const MessageCreated = z.object({ sid: z.string() });

/**
 * Pages by SMS through Twilio (`POST /2010-04-01/Accounts/{sid}/Messages.json`, form-encoded, basic auth sid:token):
 * one message per recipient. SMS cannot be taken back, so `resolve` sends a short "resolved" text.
 */
export class TwilioPager implements Pager {
  readonly kind = 'twilio' as const;
  readonly #url: string;
  readonly #auth: string;
  readonly #from: string;
  readonly #to: readonly string[];
  readonly #http: PagerHttpOptions;
  readonly #log: Logger | undefined;
  #closed = false;

  constructor(opts: TwilioPagerOptions) {
    if (!opts.accountSid || !opts.authToken || !opts.from) throw new RangeError('accountSid, authToken and from must be set (paging.twilio)');
    this.#url = `${(opts.baseUrl ?? 'https://api.twilio.com').replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(opts.accountSid)}/Messages.json`;
    this.#auth = `Basic ${Buffer.from(`${opts.accountSid}:${opts.authToken}`).toString('base64')}`;
    this.#from = opts.from;
    this.#to = opts.to ?? [];
    this.#http = { ...DefaultPagerHttpOptions, ...definedOnly(opts) };
    this.#log = opts.log;
  }

  /**
   * Texts the request's phone numbers (E.164 entries of `to`; e-mail addresses there are for the e-mail pager), else
   * the configured ones, leaving out those the request says already took it. When some numbers fail, the error is a
   * {@link PartlySentError} naming the numbers that were texted, so a retry texts only the others.
   */
  async page(request: PageRequest): Promise<void> {
    if (this.#closed) throw new HelixError('page_failed', 'Twilio pager is closed.');
    const own = (request.to ?? []).filter((t) => E164.test(t));
    const all = own.length ? own : this.#to;
    if (all.length === 0) throw new HelixError('page_failed', `Twilio page of ${request.incidentId}: no phone numbers to page. Set paging.twilio.to or the on-call member's pageTo.`);
    const to = notYetSent(all, request.alreadySent);
    const text = smsText(request);
    const failures: string[] = [];
    const delivered: string[] = [];
    let lastError: unknown;
    let refusals = 0;
    for (const number of to) {
      const form = new URLSearchParams({ To: number, Body: text });
      form.set(this.#from.startsWith('MG') ? 'MessagingServiceSid' : 'From', this.#from);
      try {
        const body = await postForPage(this.#url, { body: form, headers: { authorization: this.#auth } }, `Twilio SMS to ${maskRecipient(number)} for ${request.incidentId}`, this.#http);
        if (!MessageCreated.safeParse(body).success) throw new HelixError('page_failed', `Twilio SMS to ${maskRecipient(number)}: unexpected answer (no message sid). Is paging.twilio.baseUrl the Twilio API?`);
        delivered.push(maskRecipient(number));
      } catch (err) {
        lastError = err;
        failures.push((err as Error).message);
        if (hasErrorCode(err, 'page_refused')) refusals++;
      }
    }
    this.#log?.info({ pager: 'twilio', incident_id: request.incidentId, action: request.action, sent: delivered.length, failed: failures.length, sent_before: all.length - to.length }, 'SMS page sent');
    if (failures.length) {
      const code = refusals === failures.length ? 'page_refused' : 'page_failed';
      const message = `${failures.join(' ')}${delivered.length ? ` (${delivered.length} of ${to.length} numbers were paged)` : ''}`;
      const options = { cause: lastError, ...retryAfterOf(lastError) };
      throw delivered.length ? new PartlySentError(code, message, delivered, options) : new HelixError(code, message, options);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** The SMS text: severity, summary and link, within Twilio's 1600 characters. */
export function smsText(request: PageRequest): string {
  const head = request.action === 'resolve' ? '[Helix RESOLVED]' : `[Helix ${request.severity.toUpperCase()}]`;
  const tail = request.url ? `\n${request.url}` : '';
  const room = TWILIO_LIMITS.body - head.length - 1 - tail.length;
  const summary = request.summary.length > room ? `${request.summary.slice(0, room - 1)}…` : request.summary;
  return `${head} ${summary}${tail}`;
}

function retryAfterOf(err: unknown): { retryAfterMs?: number } {
  const after = (err as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  return typeof after === 'number' ? { retryAfterMs: after } : {};
}
