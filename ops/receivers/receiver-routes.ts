import type { Queue } from 'bullmq';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { inboundJobOptions, monotonicNow, newTraceparent, safePart, traceLogger, type Logger } from '../../mesh/index.ts';
import type { OpsMetrics } from '../ops-metrics.ts';
import { authorized, type ReceiverCredentials } from './auth.ts';
import { normalizeWebhook } from './normalize.ts';

export interface ReceiverDeps {
  credentials: ReceiverCredentials;
  /** The `ops-alerts` queue (a producer connection: fails fast when Redis is down). */
  alerts: Queue;
  maxBodyBytes: number;
  dedupeWindowSec: number;
  /** False while the queue's Redis connection is down: answer 503 at once instead of waiting. */
  queueReady?: () => boolean;
  /** Longest a queue write may take before the sender gets 503. @defaultValue `2000` */
  enqueueTimeoutMs?: number;
  metrics: OpsMetrics;
  log: Logger;
}

/** Paths per sender. */
export const RECEIVER_PATHS = { alertmanager: '/alertmanager', grafana: '/grafana' } as const;

/** The BullMQ job id of a notification. */
export function alertJobId(eventId: string): string {
  return `ops-alert-${safePart(eventId)}`;
}

/**
 * The alert webhooks. A notification is answered 2xx only once it is on `ops-alerts`, so the sender's
 * retry means something: 401 without the configured credentials, 413 past the body limit, 400 for a
 * body that is not a notification (never retried by Alertmanager), 503 when the queue is unreachable
 * (retried). Nothing unauthenticated is parsed.
 */
export function receiverRoutes(deps: ReceiverDeps): Hono {
  const app = new Hono();
  const refuse = (c: Context, source: string, status: 400 | 401 | 413 | 503, code: string, message: string, extra: Record<string, unknown> = {}) => {
    deps.metrics.webhooks.inc({ source, outcome: code });
    deps.log.warn({ source, status, code }, 'alert webhook refused');
    if (status === 401) c.header('WWW-Authenticate', 'Bearer realm="helix-ops"');
    return c.json({ error: code, message, ...extra }, status);
  };
  for (const source of ['alertmanager', 'grafana'] as const) {
    const limit = bodyLimit({
      maxSize: deps.maxBodyBytes,
      onError: (c) => refuse(c, source, 413, 'too_large', `The notification is larger than ${deps.maxBodyBytes} bytes (ops.maxBodyBytes); lower max_alerts on the receiver.`),
    });
    const auth = async (c: Context, next: () => Promise<void>) => {
      if (!authorized(c.req.header('authorization'), deps.credentials)) {
        return refuse(c, source, 401, 'unauthorized', 'Send Authorization: Bearer <ops.receiverToken> (or basic auth with ops.receiverBasicAuth).');
      }
      await next();
      return undefined;
    };
    app.post(RECEIVER_PATHS[source], auth, limit, async (c) => {
      let body: unknown;
      try {
        body = JSON.parse(await c.req.text());
      } catch {
        return refuse(c, source, 400, 'malformed_json', 'The body is not valid JSON.');
      }
      const result = normalizeWebhook(source, body, monotonicNow(), newTraceparent());
      if (!result.ok) return refuse(c, source, 400, 'not_a_notification', `The body is not a ${source} webhook notification.`, { issues: result.issues.slice(0, 2_000) });
      const { batch } = result;
      const log = traceLogger(deps.log, batch.traceparent, { source, event_id: batch.eventId, alerts: batch.alerts.length });
      try {
        if (deps.queueReady && !deps.queueReady()) throw new Error('redis connection is not ready');
        await withTimeout(deps.alerts.add('alerts', batch, inboundJobOptions(alertJobId(batch.eventId), { dedupeWindowSec: deps.dedupeWindowSec })), deps.enqueueTimeoutMs ?? 2_000);
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'ops-alerts queue unavailable');
        return refuse(c, source, 503, 'queue_unavailable', 'Helix cannot take alerts right now (its queue is unreachable); the sender should retry.');
      }
      deps.metrics.webhooks.inc({ source, outcome: 'queued' });
      log.info({ status: batch.status }, 'alert notification accepted');
      return c.json({ accepted: true, eventId: batch.eventId }, 200);
    });
  }
  return app;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`queue write did not finish within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}
