import type { Queue } from 'bullmq';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { inboundJobOptions, jobIdFor, monotonicNow, newTraceparent, traceLogger, type Logger, withDeadline } from '../../mesh/index.ts';
import type { GChatMetrics } from './gchat-metrics.ts';
import type { InlineReplies } from './inline-replies.ts';
import { EVENT_MAX_BYTES, QUEUE_DEADLINE_MS } from './limits.ts';
import { ChatEvent, toOutcome } from './normalize.ts';
import type { ChatTokenVerifier } from './verify-token.ts';

export interface EventRouteDeps {
  verifier: ChatTokenVerifier;
  inbound: Queue;
  inline: InlineReplies;
  /** How long a request waits to answer inline (`gchat.inlineReplyMs`); 0 never waits. */
  inlineReplyMs: number;
  dedupeWindowSec: number;
  metrics: GChatMetrics;
  log: Logger;
}

/** Paths Chat may be pointed at: ours, and the root. */
export const EVENT_PATHS = ['/gchat/events', '/'] as const;

/** What Helix says when it is added to a space or a DM without a message. */
export const GREETING = {
  dm: "Hi, I'm Helix. Write to me here whenever you like.",
  space: "Hi, I'm Helix. @mention me in a thread and I'll answer there.",
} as const;

/**
 * The Chat app endpoint. The bearer token is verified before the body is read (401 and nothing queued
 * when it is missing, forged, expired, or for another audience; 503 when Google's certificates cannot be
 * fetched, so Chat retries); then 413 for a body over {@link EVENT_MAX_BYTES}, 400 for one that is not
 * JSON or not an event. A message becomes a turn on `inbound` under its message name; the answer is the
 * reply itself when the brain is fast enough (see {@link InlineReplies}), else `{}` (the reply is posted later).
 */
export function eventRoutes(deps: EventRouteDeps): Hono {
  const app = new Hono();
  const refuse = (c: Context, type: string, status: 400 | 401 | 413 | 503, code: string, message: string, extra: Record<string, unknown> = {}) => {
    deps.metrics.events.inc({ type, outcome: code });
    // Refused before its body was read (401/413): close the connection rather than leave a client's
    // keep-alive socket holding the unread rest of it.
    if (status !== 400) c.header('connection', 'close');
    deps.log.warn({ type, status, code, ...extra }, 'event refused');
    return c.json({ error: code, message }, status);
  };
  const authenticate: MiddlewareHandler = async (c, next) => {
    const check = await deps.verifier.check(c.req.header('authorization'));
    if (check.ok) return next();
    if (check.status === 503) return refuse(c, 'unknown', 503, check.reason, "Google's signing certificates could not be fetched; Chat will retry.");
    return refuse(c, 'unknown', 401, 'bad_token', 'The bearer token is missing or is not a valid token from Google Chat for this app.', { reason: check.reason });
  };
  const limit = bodyLimit({
    maxSize: EVENT_MAX_BYTES,
    onError: (c) => refuse(c, 'unknown', 413, 'too_large', `The event is larger than ${EVENT_MAX_BYTES} bytes.`),
  });
  const handler = async (c: Context) => {
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch {
      return refuse(c, 'unknown', 400, 'malformed_json', 'The body is not valid JSON.');
    }
    const parsed = ChatEvent.safeParse(body);
    if (!parsed.success) return refuse(c, 'unknown', 400, 'invalid_event', `The body is not a Google Chat event: ${z.prettifyError(parsed.error)}`);
    const event = parsed.data;
    const type = /^[A-Z_]{1,64}$/.test(event.type) ? event.type : 'unknown';
    const outcome = toOutcome(event, monotonicNow(), newTraceparent());
    switch (outcome.action) {
      case 'malformed':
        return refuse(c, type, 400, 'invalid_event', `The event is incomplete: ${outcome.reason}`);
      case 'ignore':
        deps.metrics.events.inc({ type, outcome: outcome.reason });
        deps.log.debug({ type, reason: outcome.reason }, 'event makes no turn');
        return c.json({}, 200);
      case 'greet':
        deps.metrics.events.inc({ type, outcome: 'greeted' });
        deps.log.info({ type, space: event.space?.name }, 'added to a space');
        return c.json({ text: outcome.dm ? GREETING.dm : GREETING.space }, 200);
      case 'turn':
        break;
    }
    const { turn } = outcome;
    const jobId = jobIdFor('gchat', turn.eventId);
    const log = traceLogger(deps.log, turn.traceparent, { event_id: turn.eventId, conversation: turn.conversation.id });
    let wait: Awaited<ReturnType<InlineReplies['begin']>> | undefined;
    try {
      if (await deps.inbound.getJob(jobId)) {
        deps.metrics.events.inc({ type, outcome: 'duplicate' });
        log.info('redelivered event ignored (already queued)');
        return c.json({}, 200);
      }
      // Announce the wait before queueing, so even an instant reply finds it.
      if (deps.inlineReplyMs > 0) wait = await deps.inline.begin(turn.eventId, deps.inlineReplyMs);
      await withDeadline(deps.inbound.add('turn', turn, inboundJobOptions(jobId, { dedupeWindowSec: deps.dedupeWindowSec })), QUEUE_DEADLINE_MS, 'inbound add');
    } catch (err) {
      wait?.cancel();
      log.warn({ err: (err as Error).message }, 'inbound queue unavailable');
      return refuse(c, type, 503, 'queue_unavailable', 'Helix cannot take events right now (its queue is unreachable); Chat may retry.');
    }
    deps.metrics.events.inc({ type, outcome: 'queued' });
    log.info({ author: turn.author.accountId, kind: turn.conversation.kind }, 'message accepted');
    const message = wait ? await wait.result().catch((err: Error) => {
      log.warn({ err: err.message }, 'inline wait failed; the reply is posted through the API');
      return undefined;
    }) : undefined;
    if (message) log.info('answered inline');
    return c.json(message ?? {}, 200);
  };
  for (const path of EVENT_PATHS) app.post(path, authenticate, limit, handler);
  return app;
}

