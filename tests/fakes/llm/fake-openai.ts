// A fake OpenAI-compatible server on 127.0.0.1 speaking the real wire format: POST /v1/chat/completions
// with `stream: true` answers `text/event-stream` chunks (role delta first, content deltas, a
// finish_reason, an optional usage chunk, then `data: [DONE]`). Scriptable per test.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  startedAt: number;
  endedAt: number | undefined;
}

type Reply = string | ((body: Record<string, unknown>) => string);
type Failure = { kind: 'status'; status: number; headers: Record<string, string>; body: string } | { kind: 'cut' } | { kind: 'malformed' } | { kind: 'no-done' };

export interface FakeOpenAi {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Most requests in flight at once so far. */
  readonly maxConcurrent: number;
  /** Text to stream (or a function of the request body). Default: "You said: <last user message>". */
  setReply(reply: Reply): void;
  /** Wait this long before streaming each reply. */
  setDelay(ms: number): void;
  /** Wait this long between streamed deltas (so a client sees a reply grow). */
  setChunkDelay(ms: number): void;
  /** The next `n` requests get `status` (with headers, e.g. retry-after) and an OpenAI-style error body. */
  failNext(n: number, status: number, headers?: Record<string, string>, message?: string): void;
  /** The next request streams part of its reply, then the socket is destroyed. */
  cutNext(): void;
  /** The next request streams a chunk that is not JSON. */
  malformedNext(): void;
  /** The next request streams its text but closes without [DONE] or a finish_reason. */
  noDoneNext(): void;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export function defaultReply(body: Record<string, unknown>): string {
  const messages = (body.messages as Array<{ role: string; content: string }> | undefined) ?? [];
  const last = [...messages].reverse().find((m) => m.role === 'user');
  return `You said: ${last?.content ?? ''}`;
}

/** Splits a reply into stream deltas of a few words each, like a real model. */
function deltas(text: string): string[] {
  return text.match(/\S+\s*|\s+/g)?.reduce<string[]>((acc, w, i) => {
    if (i % 3 === 0) acc.push(w);
    else acc[acc.length - 1] += w;
    return acc;
  }, []) ?? [''];
}

export async function startFakeOpenAi(): Promise<FakeOpenAi> {
  let reply: Reply = defaultReply;
  let delayMs = 0;
  let chunkDelayMs = 0;
  let inFlight = 0;
  let maxConcurrent = 0;
  const failures: Failure[] = [];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<import('node:net').Socket>();

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      return json(res, 400, { error: { message: 'We could not parse the JSON body of your request.', type: 'invalid_request_error' } });
    }
    const record: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, startedAt: Date.now(), endedAt: undefined };
    requests.push(record);
    inFlight++;
    maxConcurrent = Math.max(maxConcurrent, inFlight);
    res.on('close', () => {
      inFlight--;
      record.endedAt = Date.now();
    });
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) return json(res, 404, { error: { message: `Unknown route ${req.url}` } });
    const failure = failures.shift();
    if (failure?.kind === 'status') {
      res.writeHead(failure.status, { 'content-type': 'application/json', ...failure.headers });
      return res.end(failure.body);
    }
    if (typeof body.model !== 'string' || !Array.isArray(body.messages)) return json(res, 400, { error: { message: "'model' and 'messages' are required" } });
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    if (res.destroyed) return;
    const text = typeof reply === 'function' ? reply(body) : reply;
    const id = `chatcmpl-${requests.length}`;
    const created = Math.floor(Date.now() / 1_000);
    const chunk = (delta: Record<string, unknown>, finish: string | null) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(chunk({ role: 'assistant', content: '' }, null));
    const parts = deltas(text);
    for (const [i, part] of parts.entries()) {
      if (failure?.kind === 'cut' && i >= Math.max(1, Math.floor(parts.length / 2))) {
        res.socket?.destroy();
        return;
      }
      if (failure?.kind === 'malformed' && i === 1) res.write('data: {"choices": [ this is not json\n\n');
      res.write(chunk({ content: part }, null));
      if (chunkDelayMs > 0) await new Promise((r) => setTimeout(r, chunkDelayMs));
    }
    if (failure?.kind === 'no-done') return res.end();
    res.write(chunk({}, 'stop'));
    if ((body.stream_options as { include_usage?: boolean } | undefined)?.include_usage) {
      res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [], usage: { prompt_tokens: 10, completion_tokens: parts.length, total_tokens: 10 + parts.length } })}\n\n`);
    }
    res.end('data: [DONE]\n\n');
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
    return closing;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get maxConcurrent() {
      return maxConcurrent;
    },
    setReply: (r) => void (reply = r),
    setDelay: (ms) => void (delayMs = ms),
    setChunkDelay: (ms) => void (chunkDelayMs = ms),
    failNext(n, status, headers = {}, message = `Fake failure ${status}`) {
      for (let i = 0; i < n; i++) failures.push({ kind: 'status', status, headers, body: JSON.stringify({ error: { message, type: 'fake_error' } }) });
    },
    cutNext: () => void failures.push({ kind: 'cut' }),
    malformedNext: () => void failures.push({ kind: 'malformed' }),
    noDoneNext: () => void failures.push({ kind: 'no-done' }),
    close,
    [Symbol.asyncDispose]: close,
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
