// The HTTP side: /api/v10 routing, Authorization: Bot checks, rate-limit headers and scripted
// failures, recording every request; plus the stand-in CDN for uploaded attachments.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FakeContext } from './context.ts';
import { DiscordErrors, errorBody } from './errors.ts';
import { asDiscordError, compile, decodePath, findRoute, readBody, send, type CompiledRoute, type RouteDef, type UploadedFile } from './http.ts';
import type { RestRecord } from './recorder.ts';

const API_PREFIX = /^\/api\/v(9|10)(?=\/)/;

export function createRestHandler(ctx: FakeContext, defs: RouteDef[]): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const routes: CompiledRoute[] = defs.map(compile);

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = (req.method ?? 'GET').toUpperCase();

    if (url.pathname.startsWith('/attachments/') && method === 'GET') return serveAttachment(ctx, url.pathname, res);

    const prefix = API_PREFIX.exec(url.pathname);
    const path = decodePath(prefix ? url.pathname.slice(prefix[0].length) : url.pathname);
    const query = Object.fromEntries(url.searchParams);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (k !== 'authorization' && v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const authHeader = req.headers.authorization;
    const auth: RestRecord['auth'] = !authHeader ? 'none' : authHeader === `Bot ${ctx.world.token}` ? 'bot' : 'invalid';
    const record: RestRecord = { method, path, route: '', query, headers, auth, body: undefined, files: [], status: 0, at: Date.now() };
    const finish = (status: number, body: unknown, extraHeaders: Record<string, string> = {}) => {
      record.status = status;
      ctx.rec.add('rest', record);
      send(res, status, body, extraHeaders);
    };

    let parsed: { body: unknown; files: UploadedFile[] };
    try {
      parsed = await readBody(req);
    } catch (err) {
      const e = asDiscordError(err);
      return finish(e?.status ?? 400, errorBody(e ?? { status: 400, code: 50109, message: 'The request body contains invalid JSON.' }));
    }
    record.body = parsed.body;
    record.files = parsed.files.map((f) => ({ field: f.field, filename: f.filename, contentType: f.contentType, size: f.data.length }));

    const match = prefix ? findRoute(routes, method, path) : null;
    if (match === null) return finish(404, errorBody(DiscordErrors.NotFound));
    if (match === 'method-not-allowed') return finish(405, errorBody(DiscordErrors.MethodNotAllowed));
    const { route, params } = match;
    record.route = route.template;

    if (route.auth && auth !== 'bot') return finish(401, errorBody(DiscordErrors.Unauthorized));

    const major = route.major ? `${route.major}=${params[route.major] ?? ''}` : 'global';
    const decision = ctx.limiter.take({ method, path, route: route.template }, major);
    if (decision.limited) {
      const { retryAfterSec, global } = decision.limited;
      return finish(429, { message: 'You are being rate limited.', retry_after: retryAfterSec, global }, decision.headers);
    }
    if (decision.error) return finish(decision.error.status, errorBody(decision.error), decision.headers);

    try {
      const result = await route.handler({ method, path, route: route.template, params, query, body: parsed.body, files: parsed.files });
      return finish(result.status, result.body, decision.headers);
    } catch (err) {
      const e = asDiscordError(err);
      if (e) return finish(e.status, errorBody(e), decision.headers);
      console.error('fake discord: handler crashed', method, path, err);
      return finish(500, { message: '500: Internal Server Error', code: 0 }, decision.headers);
    }
  };
}

function serveAttachment(ctx: FakeContext, pathname: string, res: ServerResponse): void {
  const [, , channelId, id] = pathname.split('/');
  const blob = id ? ctx.attachments.get(id) : undefined;
  if (!blob || blob.channelId !== channelId) {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('Not Found');
    return;
  }
  res.writeHead(200, { 'content-type': blob.contentType, 'content-length': blob.data.length });
  res.end(blob.data);
}
