import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { HelixError, type Logger } from '../../mesh/index.ts';
import { PartlySentError, notYetSent, type Pager, type PageRequest } from './pager.ts';

/** The SMTP server, as a URL (`smtp://user:pass@host:587`, `smtps://…:465`) or as parts. */
export type SmtpServer =
  | { readonly url: string }
  | { readonly host: string; readonly port: number; readonly secure: boolean; readonly user?: string | undefined; readonly password?: string | undefined };

export interface EmailPagerOptions {
  smtp: SmtpServer;
  /** Sender address (`Helix <helix@example.com>`). */
  from: string;
  /** Addresses paged when a request names none. @defaultValue `[]` */
  to?: readonly string[];
  /** Retries on temporary failures (SMTP 4xx, connection errors); 5xx and auth failures are final. @defaultValue `3` */
  maxRetries?: number;
  /** First retry delay; each next one doubles, up to 5 s. @defaultValue `300` */
  retryBaseMs?: number;
  /** Connection, greeting and socket timeouts. @defaultValue `10000` */
  timeoutMs?: number;
  /** Logs each page sent (never the credentials). */
  log?: Logger;
}

/**
 * Pages by e-mail over SMTP (nodemailer). Every mail of one incident carries `References: <dedupKey@helix>`, so
 * mail clients thread the trigger, re-sends and the resolve together.
 */
export class EmailPager implements Pager {
  readonly kind = 'email' as const;
  readonly #transport: Transporter<SMTPTransport.SentMessageInfo>;
  readonly #from: string;
  readonly #to: readonly string[];
  readonly #maxRetries: number;
  readonly #retryBaseMs: number;
  readonly #log: Logger | undefined;
  #closed = false;

  constructor(opts: EmailPagerOptions) {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const timeouts = { connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs };
    const smtp = opts.smtp;
    this.#transport =
      'url' in smtp
        ? nodemailer.createTransport(smtp.url, timeouts)
        : nodemailer.createTransport({ host: smtp.host, port: smtp.port, secure: smtp.secure, ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password ?? '' } } : {}), ...timeouts });
    this.#from = opts.from;
    this.#to = opts.to ?? [];
    this.#maxRetries = opts.maxRetries ?? 3;
    this.#retryBaseMs = opts.retryBaseMs ?? 300;
    this.#log = opts.log;
  }

  /**
   * Mails the request's e-mail addresses (entries of `to` with an @; phone numbers there are for SMS), else the
   * configured ones, leaving out those the request says already took it. The server may refuse some addresses
   * (RCPT TO) and take the others: the mail goes to those it took, temporary refusals (4xx) are tried again on
   * their own, and what stays refused ends in a {@link PartlySentError} naming the addresses that took it, so a
   * retry of the page mails only the others.
   */
  async page(request: PageRequest): Promise<void> {
    if (this.#closed) throw new HelixError('page_failed', 'E-mail pager is closed.');
    const own = (request.to ?? []).filter((t) => t.includes('@'));
    const all = own.length ? own : this.#to;
    if (all.length === 0) throw new HelixError('page_failed', `E-mail page of ${request.incidentId}: no addresses to page. Set paging.email.to or the on-call member's pageTo.`);
    const thread = `<${request.dedupKey.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200)}@helix>`;
    const subject = request.action === 'resolve' ? `[Helix resolved] ${request.summary}` : `[Helix ${request.severity}] ${request.summary}`;
    const text = [request.action === 'resolve' ? 'Resolved.' : `Severity: ${request.severity}`, '', request.summary, '', `Incident: ${request.incidentId}`, ...(request.url ? [`Details: ${request.url}`] : [])].join('\n');
    const to = notYetSent(all, request.alreadySent);
    if (to.length === 0) return;
    let remaining = to;
    const delivered: string[] = [];
    const mail = { from: this.#from, subject: subject.slice(0, 250), text, headers: { References: thread, 'In-Reply-To': thread, 'X-Helix-Incident': request.incidentId } };
    for (let attempt = 0; ; attempt++) {
      const sent = await this.#mailOnce(remaining, mail);
      if ('failure' in sent) {
        if (!temporary(sent.failure) || attempt >= this.#maxRetries) {
          const err = smtpError(sent.failure, request, attempt);
          throw delivered.length ? new PartlySentError(err.code as 'page_failed' | 'page_refused', `${err.message} (${delivered.length} of ${to.length} addresses were mailed)`, delivered, { cause: sent.failure }) : err;
        }
        await this.#pause(attempt);
        continue;
      }
      const refusedNow = new Set(sent.refused.map((r) => r.address.toLowerCase()));
      delivered.push(...remaining.filter((a) => !refusedNow.has(a.toLowerCase())));
      remaining = remaining.filter((a) => refusedNow.has(a.toLowerCase()));
      if (remaining.length === 0) {
        this.#log?.info({ pager: 'email', incident_id: request.incidentId, action: request.action, recipients: delivered.length, sent_before: all.length - to.length, retries: attempt }, 'e-mail page sent');
        return;
      }
      if (sent.refused.every((r) => temporary(r.error)) && attempt < this.#maxRetries) {
        await this.#pause(attempt);
        continue;
      }
      const reasons = sent.refused.map((r) => `${r.address}: ${smtpReason(r.error)}`).join('; ');
      const message = `E-mail page of ${request.incidentId}: the server refused ${remaining.length === 1 ? 'an address' : `${remaining.length} addresses`}${attempt > 0 ? ` after ${attempt} retries` : ''} (${reasons}).${delivered.length ? ` (${delivered.length} of ${to.length} addresses were mailed)` : ''}`;
      this.#log?.warn({ pager: 'email', incident_id: request.incidentId, action: request.action, mailed: delivered.length, refused: remaining.length }, 'e-mail page refused for some addresses');
      const cause = sent.refused[0]?.error;
      throw delivered.length ? new PartlySentError('page_failed', message, delivered, { cause }) : new HelixError('page_failed', message, { cause });
    }
  }

  /** One SMTP transaction to `to`: the addresses the server refused at RCPT TO (the others took the mail), or what stopped the whole mail. */
  async #mailOnce(to: readonly string[], mail: { from: string; subject: string; text: string; headers: Record<string, string> }): Promise<{ refused: RefusedRecipient[] } | { failure: unknown }> {
    try {
      const info = await this.#transport.sendMail({ ...mail, to: [...to] });
      return { refused: refusedRecipients((info as { rejectedErrors?: unknown }).rejectedErrors) };
    } catch (err) {
      // Every address refused: nodemailer says so in one error that carries each refusal.
      const refused = refusedRecipients((err as { rejectedErrors?: unknown }).rejectedErrors);
      return refused.length ? { refused } : { failure: err };
    }
  }

  #pause(attempt: number): Promise<void> {
    return new Promise((r) => setTimeout(r, Math.min(5_000, this.#retryBaseMs * 2 ** attempt)));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#transport.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** SMTP 4xx replies and dropped connections are worth another try; 5xx, auth and address errors are not. */
function temporary(err: unknown): boolean {
  const e = err as { responseCode?: unknown; code?: unknown };
  if (typeof e.responseCode === 'number') return e.responseCode >= 400 && e.responseCode < 500;
  return e.code === 'ECONNECTION' || e.code === 'ETIMEDOUT' || e.code === 'ESOCKET' || e.code === 'ECONNREFUSED';
}

/** An address the server refused at RCPT TO, with nodemailer's error for it (its `responseCode` says 4xx or 5xx). */
interface RefusedRecipient {
  address: string;
  error: unknown;
}

/** The refused addresses of nodemailer's `rejectedErrors` (each error names its `recipient`). */
function refusedRecipients(errors: unknown): RefusedRecipient[] {
  if (!Array.isArray(errors)) return [];
  return errors.flatMap((error: { recipient?: unknown }) => (typeof error?.recipient === 'string' ? [{ address: error.recipient, error }] : []));
}

/** The server's own words when it gave some (`550 5.1.1 No such user`), else the error's message. */
function smtpReason(err: unknown): string {
  const e = err as { response?: unknown; message?: unknown };
  return (typeof e.response === 'string' ? e.response : typeof e.message === 'string' ? e.message : String(err)).slice(0, 300);
}

function smtpError(err: unknown, request: PageRequest, attempt: number): HelixError {
  const e = err as { code?: unknown };
  const reason = smtpReason(err);
  const hint = e.code === 'EAUTH' ? ' Check paging.email.user / password (or the credentials in smtpUrl).' : e.code === 'ECONNECTION' || e.code === 'ESOCKET' ? ' Check the SMTP host and port.' : '';
  const retries = attempt > 0 ? ` after ${attempt} retries` : '';
  // Wrong credentials are refused again on every try; other failures may pass later.
  return new HelixError(e.code === 'EAUTH' ? 'page_refused' : 'page_failed', `E-mail page of ${request.incidentId} failed${retries} (${typeof e.code === 'string' ? `${e.code}: ` : ''}${reason}).${hint}`, { cause: err });
}
