import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { HelixError, type Logger } from '../../mesh/index.ts';
import type { Pager, PageRequest } from './pager.ts';

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

  /** Mails the request's e-mail addresses (entries of `to` with an @; phone numbers there are for SMS), else the configured ones. */
  async page(request: PageRequest): Promise<void> {
    if (this.#closed) throw new HelixError('page_failed', 'E-mail pager is closed.');
    const own = (request.to ?? []).filter((t) => t.includes('@'));
    const to = own.length ? own : this.#to;
    if (to.length === 0) throw new HelixError('page_failed', `E-mail page of ${request.incidentId}: no addresses to page. Set paging.email.to or the on-call member's pageTo.`);
    const thread = `<${request.dedupKey.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200)}@helix>`;
    const subject = request.action === 'resolve' ? `[Helix resolved] ${request.summary}` : `[Helix ${request.severity}] ${request.summary}`;
    const text = [request.action === 'resolve' ? 'Resolved.' : `Severity: ${request.severity}`, '', request.summary, '', `Incident: ${request.incidentId}`, ...(request.url ? [`Details: ${request.url}`] : [])].join('\n');
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#transport.sendMail({ from: this.#from, to: [...to], subject: subject.slice(0, 250), text, headers: { References: thread, 'In-Reply-To': thread, 'X-Helix-Incident': request.incidentId } });
        this.#log?.info({ pager: 'email', incident_id: request.incidentId, action: request.action, recipients: to.length, retries: attempt }, 'e-mail page sent');
        return;
      } catch (err) {
        if (!temporary(err) || attempt >= this.#maxRetries) throw smtpError(err, request, attempt);
        await new Promise((r) => setTimeout(r, Math.min(5_000, this.#retryBaseMs * 2 ** attempt)));
      }
    }
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

function smtpError(err: unknown, request: PageRequest, attempt: number): HelixError {
  const e = err as { responseCode?: unknown; response?: unknown; code?: unknown; message?: unknown };
  const reason = typeof e.response === 'string' ? e.response : typeof e.message === 'string' ? e.message : String(err);
  const hint = e.code === 'EAUTH' ? ' Check paging.email.user / password (or the credentials in smtpUrl).' : e.code === 'ECONNECTION' || e.code === 'ESOCKET' ? ' Check the SMTP host and port.' : '';
  const retries = attempt > 0 ? ` after ${attempt} retries` : '';
  // Wrong credentials are refused again on every try; other failures may pass later.
  return new HelixError(e.code === 'EAUTH' ? 'page_refused' : 'page_failed', `E-mail page of ${request.incidentId} failed${retries} (${typeof e.code === 'string' ? `${e.code}: ` : ''}${reason.slice(0, 300)}).${hint}`, { cause: err });
}
