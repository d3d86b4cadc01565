import { createHmac, timingSafeEqual } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { monotonicNow, newTraceparent, type Logger } from '../../mesh/index.ts';
import { WEBHOOK_MAX_BYTES } from './limits.ts';
import { webhookDmToTurn, webhookPostToTurn, type XIdentity } from './normalize.ts';
import type { TurnIntake } from './turn-intake.ts';
import type { XMetrics } from './x-metrics.ts';

/** Path of the Account Activity webhook (register `https://<host>/x/webhook` with X). */
export const WEBHOOK_PATH = '/x/webhook';

/**
 * A CRC token Helix will sign. The answer is an HMAC with the consumer secret, the same key that signs
 * deliveries: signing an arbitrary token would hand anyone a signature for a body of their choosing.
 * X's tokens are short base64-like strings; a JSON body (it starts with `{`) never matches.
 */
const CRC_TOKEN = /^[A-Za-z0-9+/=_-]{1,256}$/;

/** `sha256=` + base64 HMAC-SHA256 of `payload` with the consumer secret: X's CRC answer and delivery signature. */
export function xSignature(consumerSecret: string, payload: string): string {
  return `sha256=${createHmac('sha256', consumerSecret).update(payload).digest('base64')}`;
}

/** Compares a received signature with the expected one in constant time. */
export function signatureMatches(consumerSecret: string, raw: string, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(xSignature(consumerSecret, raw));
  const got = Buffer.from(header.trim());
  return got.length === expected.length && timingSafeEqual(got, expected);
}

export interface XWebhookDeps {
  consumerSecret: string;
  me: XIdentity;
  intake: TurnIntake;
  /** Take `direct_message_events` too (`x.dms`). */
  dms: boolean;
  metrics: XMetrics;
  log: Logger;
}

/**
 * The Account Activity endpoint. `GET ?crc_token=` answers the challenge; a `POST` is checked against
 * `x-twitter-webhooks-signature` before anything in it is read (401, nothing queued), then each mention
 * post (and DM) becomes a turn with the same event id the poller would give it, so the two paths never
 * answer twice. 2xx only once the turns are queued (503 otherwise: X retries).
 * @see https://docs.x.com/x-api/webhooks/quickstart
 */
export function webhookRoutes(deps: XWebhookDeps): Hono {
  const app = new Hono();
  const refuse = (c: Context, status: 400 | 401 | 413 | 503, code: string, message: string) => {
    deps.metrics.webhooks.inc({ outcome: code });
    deps.log.warn({ status, code }, 'webhook request refused');
    return c.json({ error: code, message }, status);
  };
  app.get(WEBHOOK_PATH, (c) => {
    const token = c.req.query('crc_token');
    if (!token) return refuse(c, 400, 'missing_crc_token', 'A CRC request needs ?crc_token=.');
    if (!CRC_TOKEN.test(token)) return refuse(c, 400, 'bad_crc_token', 'The crc_token is not of the form X sends.');
    deps.metrics.webhooks.inc({ outcome: 'crc' });
    return c.json({ response_token: xSignature(deps.consumerSecret, token) }, 200);
  });
  const limit = bodyLimit({ maxSize: WEBHOOK_MAX_BYTES, onError: (c) => refuse(c, 413, 'too_large', `The delivery is larger than ${WEBHOOK_MAX_BYTES} bytes.`) });
  app.post(WEBHOOK_PATH, limit, async (c) => {
    const signature = c.req.header('x-twitter-webhooks-signature');
    if (!signature) return refuse(c, 401, 'unsigned', 'x-twitter-webhooks-signature is required.');
    const raw = await c.req.text();
    if (!signatureMatches(deps.consumerSecret, raw, signature)) return refuse(c, 401, 'bad_signature', 'x-twitter-webhooks-signature does not match the body and the consumer secret.');
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return refuse(c, 400, 'malformed_json', 'The body is not valid JSON.');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return refuse(c, 400, 'malformed_body', 'The body must be a JSON object.');
    const b = body as { for_user_id?: unknown; tweet_create_events?: unknown; direct_message_events?: unknown };
    for (const key of ['tweet_create_events', 'direct_message_events'] as const) {
      if (b[key] !== undefined && !Array.isArray(b[key])) return refuse(c, 400, 'malformed_body', `${key} must be an array.`);
    }
    if (b.for_user_id !== undefined && String(b.for_user_id) !== deps.me.id) {
      deps.metrics.webhooks.inc({ outcome: 'other_user' });
      return c.json({ accepted: false, reason: 'other_user' }, 200);
    }
    const counts = { queued: 0, duplicate: 0, skipped: 0, dead_lettered: 0 };
    try {
      for (const post of (b.tweet_create_events as unknown[] | undefined) ?? []) counts[await deps.intake.take('webhook', post, webhookPostToTurn(post, deps.me, monotonicNow(), newTraceparent()))]++;
      if (deps.dms) for (const dm of (b.direct_message_events as unknown[] | undefined) ?? []) counts[await deps.intake.take('webhook', dm, webhookDmToTurn(dm, deps.me, monotonicNow(), newTraceparent()))]++;
    } catch (err) {
      deps.log.warn({ err: (err as Error).message }, 'inbound queue unavailable');
      return refuse(c, 503, 'queue_unavailable', 'Helix cannot take events right now (its queue is unreachable); X will retry.');
    }
    deps.metrics.webhooks.inc({ outcome: 'accepted' });
    return c.json({ accepted: true, ...counts }, 200);
  });
  return app;
}
