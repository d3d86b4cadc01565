// A local SMTP sink (smtp-server 3): requires AUTH with one user, keeps every accepted message's envelope and raw text,
// and can answer the next DATA with a chosen SMTP error (421/451 temporary, 550 permanent), or refuse one address
// at RCPT TO while the others take the mail (450 greylisting, 550 no such user).
import { SMTPServer } from 'smtp-server';

export interface SunkMail {
  from: string | undefined;
  to: string[];
  raw: string;
}

export interface SmtpSink {
  readonly port: number;
  readonly mails: SunkMail[];
  /** Failed AUTH attempts. */
  readonly authFailures: number;
  /** DATA attempts, accepted or not. */
  readonly attempts: number;
  failNext(responseCode: number, message: string, times?: number): void;
  /** Refuses `address` at RCPT TO, the next `times` times it is named (default: always). */
  refuseRecipient(address: string, responseCode: number, message: string, times?: number): void;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startSmtpSink(user: string, password: string): Promise<SmtpSink> {
  const mails: SunkMail[] = [];
  const failures: { responseCode: number; message: string }[] = [];
  const refusals = new Map<string, { responseCode: number; message: string; times: number }>();
  let authFailures = 0;
  let attempts = 0;
  const server = new SMTPServer({
    // Plain SMTP on loopback: no STARTTLS (no certificate), AUTH allowed without TLS.
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === password) return callback(null, { user });
      authFailures++;
      return callback(new Error('Invalid username or password'));
    },
    onRcptTo(address, _session, callback) {
      const refusal = refusals.get(address.address.toLowerCase());
      if (!refusal || refusal.times <= 0) return callback();
      refusal.times--;
      return callback(Object.assign(new Error(refusal.message), { responseCode: refusal.responseCode }));
    },
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      stream.on('end', () => {
        attempts++;
        const failure = failures.shift();
        if (failure) {
          const err = Object.assign(new Error(failure.message), { responseCode: failure.responseCode });
          return callback(err);
        }
        mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined, to: session.envelope.rcptTo.map((r) => r.address), raw });
        return callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as { port: number }).port;
  let closed: Promise<void> | undefined;
  const close = () => (closed ??= new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    port,
    mails,
    get authFailures() {
      return authFailures;
    },
    get attempts() {
      return attempts;
    },
    failNext(responseCode, message, times = 1) {
      for (let i = 0; i < times; i++) failures.push({ responseCode, message });
    },
    refuseRecipient(address, responseCode, message, times = Number.POSITIVE_INFINITY) {
      refusals.set(address.toLowerCase(), { responseCode, message, times });
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
