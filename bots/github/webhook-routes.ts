import type { Queue } from 'bullmq';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { inboundJobOptions, jobIdFor, monotonicNow, newTraceparent, traceLogger, type Logger } from '../../mesh/index.ts';
import type { GitHubMetrics } from './github-metrics.ts';
import { WEBHOOK_MAX_BYTES } from './limits.ts';
import { toInboundTurn, type AppIdentity } from './normalize.ts';

export interface WebhookDeps {
  /** Checks `X-Hub-Signature-256` against the raw body (`app.webhooks.verify`). */
  verify(raw: string, signature: string): Promise<boolean>;
  identity: AppIdentity;
  inbound: Queue;
  dedupeWindowSec: number;
  metrics: GitHubMetrics;
  log: Logger;
}

/** Paths GitHub may be pointed at: @octokit's default, and the root. */
export const WEBHOOK_PATHS = ['/api/github/webhooks', '/'] as const;

/**
 * The webhook endpoint. A delivery is answered 2xx only once its turn is on the queue (or it makes no
 * turn), so GitHub's redelivery of a failed one is meaningful: 401 bad/missing signature, 400 malformed,
 * 413 too large, 503 when the queue is unreachable. Nothing unverified is ever parsed or queued.
 */
export function webhookRoutes(deps: WebhookDeps): Hono {
  const app = new Hono();
  const refuse = (c: Context, event: string, status: 400 | 401 | 413 | 503, code: string, message: string) => {
    deps.metrics.webhooks.inc({ event, outcome: code });
    deps.log.warn({ event, delivery: c.req.header('x-github-delivery'), status, code }, 'webhook refused');
    return c.json({ error: code, message }, status);
  };
  const handler = async (c: Context) => {
    const event = c.req.header('x-github-event') ?? '';
    const delivery = c.req.header('x-github-delivery') ?? '';
    const signature = c.req.header('x-hub-signature-256') ?? '';
    const label = /^[a-z_]{1,64}$/.test(event) ? event : 'unknown';
    if (!event || !delivery) return refuse(c, label, 400, 'missing_headers', 'X-GitHub-Event and X-GitHub-Delivery are required.');
    if (!signature) return refuse(c, label, 401, 'unsigned', 'X-Hub-Signature-256 is required (set the webhook secret on the GitHub App).');
    const raw = await c.req.text();
    let ok = false;
    try {
      ok = await deps.verify(raw, signature);
    } catch {
      ok = false;
    }
    if (!ok) return refuse(c, label, 401, 'bad_signature', 'X-Hub-Signature-256 does not match the body and the webhook secret.');
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return refuse(c, label, 400, 'malformed_json', 'The body is not valid JSON.');
    }
    const result = toInboundTurn(event, body, deps.identity, monotonicNow(), newTraceparent());
    if ('skip' in result) {
      deps.metrics.webhooks.inc({ event: label, outcome: result.skip });
      deps.log.debug({ event, delivery, reason: result.skip }, 'webhook makes no turn');
      return c.json({ accepted: false, reason: result.skip }, 200);
    }
    const { turn } = result;
    const jobId = jobIdFor('github', turn.eventId);
    const log = traceLogger(deps.log, turn.traceparent, { event_id: turn.eventId, delivery, conversation: turn.conversation.id });
    try {
      if (await deps.inbound.getJob(jobId)) {
        deps.metrics.webhooks.inc({ event: label, outcome: 'duplicate' });
        log.info('redelivered event ignored (already queued)');
        return c.json({ accepted: true, duplicate: true, eventId: turn.eventId }, 200);
      }
      await deps.inbound.add('turn', turn, inboundJobOptions(jobId, { dedupeWindowSec: deps.dedupeWindowSec }));
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'inbound queue unavailable');
      return refuse(c, label, 503, 'queue_unavailable', 'Helix cannot take events right now (its queue is unreachable); redeliver later.');
    }
    deps.metrics.webhooks.inc({ event: label, outcome: 'queued' });
    log.info({ author: turn.author.accountId }, 'message accepted');
    return c.json({ accepted: true, eventId: turn.eventId }, 202);
  };
  const limit = bodyLimit({
    maxSize: WEBHOOK_MAX_BYTES,
    onError: (c) => refuse(c, 'unknown', 413, 'too_large', `The delivery is larger than ${WEBHOOK_MAX_BYTES} bytes.`),
  });
  for (const path of WEBHOOK_PATHS) app.post(path, limit, handler);
  return app;
}
