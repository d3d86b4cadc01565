import { readFileSync } from 'node:fs';
import type { Queue } from 'bullmq';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie, setCookie } from 'hono/cookie';
import { streamSSE } from 'hono/streaming';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { HelixConfig } from '../../config/index.ts';
import { inboundJobOptions, jobIdFor, monotonicNow, newTraceparent, traceLogger, type Counter, type Logger } from '../../mesh/index.ts';
import { TOKEN_COOKIE, presentedToken, tokenMatches } from './auth.ts';
import { HEARTBEAT_MS } from './limits.ts';
import type { LiveEvent, LiveHub } from './live-hub.ts';
import { BrowserMessage, toInboundTurn } from './normalize.ts';
import type { HistoryEntry, SessionHistory } from './session-history.ts';

const PUBLIC = new URL('./public/', import.meta.url);
const ASSETS: Record<string, { type: string; body: string }> = Object.fromEntries(
  [
    ['/', 'index.html', 'text/html; charset=utf-8'],
    ['/app.js', 'app.js', 'text/javascript; charset=utf-8'],
    ['/style.css', 'style.css', 'text/css; charset=utf-8'],
  ].map(([route, file, type]) => [route, { type: type!, body: readFileSync(new URL(file!, PUBLIC), 'utf8') }]),
);

const SessionQuery = z.object({ sessionId: BrowserMessage.shape.sessionId });

export interface ConsoleDeps {
  web: HelixConfig['web'];
  dedupeWindowSec: number;
  inbound: Queue;
  publisher: Redis;
  history: SessionHistory;
  hub: LiveHub;
  log: Logger;
  accepted: Counter;
  rejected: Counter<'reason'>;
}

/** The console's HTTP routes: the page, POST /api/messages, and the SSE stream of replies. */
export function consoleRoutes(deps: ConsoleDeps): Hono {
  const app = new Hono();
  const token = deps.web.accessToken;
  const reject = (c: Context, status: 400 | 401 | 413 | 503, code: string, message: string, issues?: Array<{ path: string; message: string }>) => {
    deps.rejected.inc({ reason: code });
    return c.json({ error: code, message, ...(issues ? { issues } : {}) }, status);
  };

  if (token) {
    app.use('*', async (c, next) => {
      const query = c.req.query('token');
      if (!tokenMatches(presentedToken(c.req.header('authorization'), getCookie(c, TOKEN_COOKIE), query), token)) {
        return reject(c, 401, 'unauthorized', 'This Helix console needs its access token: open it with ?token=<web.accessToken> once, or send Authorization: Bearer.');
      }
      // A token that came in the URL becomes a cookie, so it does not have to stay in links.
      if (query) setCookie(c, TOKEN_COOKIE, query, { httpOnly: true, sameSite: 'Strict', path: '/' });
      return next();
    });
  }

  for (const [route, asset] of Object.entries(ASSETS)) {
    app.get(route, (c) => c.body(asset.body, 200, { 'content-type': asset.type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' }));
  }

  app.post(
    '/api/messages',
    bodyLimit({
      maxSize: deps.web.maxBodyBytes,
      onError: (c) => reject(c, 413, 'too_large', `The message body is larger than ${deps.web.maxBodyBytes} bytes (web.maxBodyBytes).`),
    }),
    async (c) => {
      let raw: unknown;
      try {
        raw = await c.req.json();
      } catch {
        return reject(c, 400, 'malformed_json', 'The body is not valid JSON.');
      }
      const parsed = BrowserMessage.safeParse(raw);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
        const tooBig = parsed.error.issues.some((i) => i.code === 'too_big' && i.path[0] === 'text');
        return reject(c, tooBig ? 413 : 400, tooBig ? 'text_too_long' : 'invalid', z.prettifyError(parsed.error), issues);
      }
      const turn = toInboundTurn(parsed.data, monotonicNow(), newTraceparent());
      const jobId = jobIdFor('web', turn.eventId);
      try {
        await deps.inbound.add('turn', turn, inboundJobOptions(jobId, { dedupeWindowSec: deps.dedupeWindowSec }));
      } catch (err) {
        deps.log.warn({ err: (err as Error).message }, 'inbound queue unavailable');
        return reject(c, 503, 'queue_unavailable', 'Helix cannot take messages right now (its queue is unreachable). Please try again in a moment.');
      }
      deps.accepted.inc();
      traceLogger(deps.log, turn.traceparent, { event_id: turn.eventId }).info('message accepted');
      // Best effort: the turn is already safe on the queue; the history only helps other tabs and reloads.
      await deps.history
        .append(parsed.data.sessionId, `u:${turn.eventId}`, { kind: 'user', eventId: turn.eventId, text: turn.text, at: turn.receivedAt })
        .then((entry) => entry && deps.publisher.publish(deps.history.channel(parsed.data.sessionId), JSON.stringify({ type: 'user', id: entry.id, entry } satisfies LiveEvent)))
        .catch((err: unknown) => deps.log.warn({ err: (err as Error).message }, 'history not recorded'));
      return c.json({ accepted: true, eventId: turn.eventId }, 202);
    },
  );

  app.get('/api/events', async (c) => {
    const q = SessionQuery.safeParse({ sessionId: c.req.query('sessionId') });
    if (!q.success) return reject(c, 400, 'invalid', z.prettifyError(q.error));
    const { sessionId } = q.data;
    const lastEventId = Number(c.req.header('last-event-id') ?? c.req.query('after') ?? 0) || 0;
    return streamSSE(c, async (stream) => {
      let sent = lastEventId;
      let replaying = true;
      const buffered: LiveEvent[] = [];
      const send = async (event: LiveEvent) => {
        if (event.type === 'draft') return stream.writeSSE({ event: 'draft', data: JSON.stringify(event) });
        if (event.id <= sent) return;
        sent = event.id;
        await stream.writeSSE({ event: event.type, id: String(event.id), data: JSON.stringify(event.entry) });
      };
      // Listen first, then replay: nothing published in between is lost.
      const stop = deps.hub.listen(sessionId, (event) => {
        if (replaying) buffered.push(event);
        else void send(event).catch(() => undefined);
      });
      const closed = new Promise<void>((resolve) => stream.onAbort(resolve));
      const heartbeat = setInterval(() => void stream.write(': keep-alive\n\n').catch(() => undefined), HEARTBEAT_MS);
      try {
        let past: HistoryEntry[] = [];
        try {
          past = await deps.history.since(sessionId, lastEventId);
        } catch (err) {
          deps.log.warn({ err: (err as Error).message }, 'history unavailable for replay');
        }
        for (const entry of past) await send({ type: entry.kind, id: entry.id, entry });
        replaying = false;
        for (const event of buffered.splice(0)) await send(event);
        await stream.writeSSE({ event: 'ready', data: JSON.stringify({ lastId: sent }) });
        await closed;
      } finally {
        clearInterval(heartbeat);
        stop();
      }
    });
  });

  return app;
}

