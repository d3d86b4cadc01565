// A small router for Discord-style REST: route templates with :params, JSON or multipart bodies
// (payload_json + files[n]), and answers that never put a content-type on a 204.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DiscordErrors, DiscordHttpError, errorBody, fail, type DiscordError } from './errors.ts';

export interface UploadedFile {
  field: string;
  filename: string;
  contentType: string;
  data: Buffer;
}

export interface RouteContext {
  method: string;
  path: string;
  route: string;
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  files: UploadedFile[];
}

export interface HandlerResult {
  status: number;
  body?: unknown;
}

export type Handler = (ctx: RouteContext) => HandlerResult | Promise<HandlerResult>;

export interface RouteDef {
  method: string;
  template: string;
  /** Requires Authorization: Bot <token> (interaction callbacks and webhook-token routes do not). */
  auth: boolean;
  /** Route parameter whose value splits buckets (channelId, guildId, ...). */
  major?: string;
  handler: Handler;
}

export interface CompiledRoute extends RouteDef {
  regex: RegExp;
  keys: string[];
}

export function compile(def: RouteDef): CompiledRoute {
  const keys: string[] = [];
  const pattern = def.template
    .split('/')
    .map((seg) => {
      if (seg.startsWith(':')) {
        keys.push(seg.slice(1));
        return '([^/]+)';
      }
      return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { ...def, regex: new RegExp(`^${pattern}$`), keys };
}

export interface Match {
  route: CompiledRoute;
  params: Record<string, string>;
}

/** Finds the route; a path that exists under another method answers 405 like Discord. */
export function findRoute(routes: CompiledRoute[], method: string, path: string): Match | 'method-not-allowed' | null {
  let pathMatched = false;
  // Literal segments win over params (e.g. /messages/@original before /messages/:messageId).
  const candidates = routes
    .map((r) => ({ r, m: r.regex.exec(path) }))
    .filter((x): x is { r: CompiledRoute; m: RegExpExecArray } => x.m !== null)
    .sort((a, b) => a.r.keys.length - b.r.keys.length);
  for (const { r, m } of candidates) {
    pathMatched = true;
    if (r.method !== method) continue;
    const params: Record<string, string> = {};
    r.keys.forEach((k, i) => (params[k] = m[i + 1] ?? ''));
    return { route: r, params };
  }
  return pathMatched ? 'method-not-allowed' : null;
}

/** Percent-decodes each segment (discord.js sends "@original" as "%40original", emoji encoded). */
export function decodePath(path: string): string {
  return path
    .split('/')
    .map((seg) => {
      try {
        return decodeURIComponent(seg);
      } catch {
        return seg;
      }
    })
    .join('/');
}

export async function readBody(req: IncomingMessage): Promise<{ body: unknown; files: UploadedFile[] }> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks);
  const type = req.headers['content-type'] ?? '';
  if (raw.length === 0) return { body: undefined, files: [] };
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
    const files: UploadedFile[] = [];
    let body: unknown = undefined;
    const fields: Record<string, unknown> = {};
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') {
        if (field === 'payload_json') body = parseJson(value);
        else fields[field] = value;
      } else {
        files.push({ field, filename: value.name, contentType: value.type || 'application/octet-stream', data: Buffer.from(await value.arrayBuffer()) });
      }
    }
    return { body: body ?? fields, files };
  }
  if (type.startsWith('application/json')) return { body: parseJson(raw.toString('utf8')), files: [] };
  return { body: raw.toString('utf8'), files: [] };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return fail({ status: 400, code: 50109, message: 'The request body contains invalid JSON.' });
  }
}

export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  if (res.headersSent) return;
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (status === 204 || body === undefined) {
    // discord.js parses any application/json answer: a 204 with that content-type breaks it.
    res.writeHead(status);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function asDiscordError(err: unknown): DiscordError | null {
  return err instanceof DiscordHttpError ? err.error : null;
}

export function errorResult(e: DiscordError): HandlerResult {
  return { status: e.status, body: errorBody(e) };
}

export const ok = (body: unknown): HandlerResult => ({ status: 200, body });
export const created = (body: unknown): HandlerResult => ({ status: 201, body });
export const noContent = (): HandlerResult => ({ status: 204 });
export { DiscordErrors };
