// A fake Ollama on 127.0.0.1 speaking its native wire format: POST /api/chat answers
// `application/x-ndjson`, one JSON object per line (`{"model","created_at","message":{"role":"assistant",
// "content"},"done":false}`), then a last line with `done: true`, `done_reason` and the eval counts.
// Errors are `{"error":"..."}` with a 4xx/5xx before the stream, or an `{"error":...}` line mid-stream (status stays 200).
// GET /api/tags lists the models, GET /api/version answers a version. Scriptable per test, like fake-openai.
// @see https://docs.ollama.com/api/chat  https://docs.ollama.com/api/errors  https://docs.ollama.com/api/tags
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { defaultReply, type RecordedRequest } from './fake-openai.ts';

type Reply = string | ((body: Record<string, unknown>) => string);
type Failure =
  | { kind: 'status'; status: number; headers: Record<string, string>; body: string }
  | { kind: 'cut' }
  | { kind: 'malformed' }
  | { kind: 'error-line'; message: string }
  | { kind: 'no-done' };

export interface FakeOllama {
  readonly url: string;
  /** Every request (chat, tags, version) in arrival order. */
  readonly requests: RecordedRequest[];
  /** Most requests in flight at once so far. */
  readonly maxConcurrent: number;
  /** Models /api/tags lists and /api/chat accepts (others get Ollama's 404). Default: `['llama3.2:latest']`. */
  setModels(names: string[]): void;
  /** Text to stream (or a function of the request body). Default: "You said: <last user message>". */
  setReply(reply: Reply): void;
  /** Wait this long before answering /api/chat (before the status line). */
  setDelay(ms: number): void;
  /** Wait this long between streamed lines. */
  setChunkDelay(ms: number): void;
  /** Write each line in two TCP chunks, cut mid-line at a byte offset (may fall inside a UTF-8 character). */
  setSplitLines(on: boolean): void;
  /** The next `n` /api/chat requests get `status` (with headers, e.g. retry-after) and `{"error": message}`. */
  failNext(n: number, status: number, headers?: Record<string, string>, message?: string): void;
  /** The next /api/chat streams part of its reply, then the socket is destroyed. */
  cutNext(): void;
  /** The next /api/chat streams a line that is not JSON. */
  malformedNext(): void;
  /** The next /api/chat streams part of its reply, then an `{"error": message}` line, and ends. */
  errorLineNext(message?: string): void;
  /** The next /api/chat streams its text but ends without the `done: true` line. */
  noDoneNext(): void;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Splits a reply into a word or so per line, as Ollama streams a token per line. */
function pieces(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [''];
}

export async function startFakeOllama(): Promise<FakeOllama> {
  let models = ['llama3.2:latest'];
  let reply: Reply = defaultReply;
  let delayMs = 0;
  let chunkDelayMs = 0;
  let splitLines = false;
  let inFlight = 0;
  let maxConcurrent = 0;
  const failures: Failure[] = [];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = req.url ?? '';
    let body: Record<string, unknown> = {};
    let bad: Error | undefined;
    try {
      body = JSON.parse(raw || '{}') as Record<string, unknown>;
    } catch (err) {
      bad = err as Error;
    }
    const record: RecordedRequest = { method: req.method ?? '', path, headers: req.headers, body, startedAt: Date.now(), endedAt: undefined };
    requests.push(record);
    inFlight++;
    maxConcurrent = Math.max(maxConcurrent, inFlight);
    res.on('close', () => {
      inFlight--;
      record.endedAt = Date.now();
    });
    if (req.method === 'GET' && path === '/api/tags') {
      const at = new Date().toISOString();
      return json(res, 200, { models: models.map((name) => ({ name, model: name, modified_at: at, size: 2_019_393_189, digest: 'a80c4f17acd5', details: { format: 'gguf', family: 'llama', parameter_size: '3.2B', quantization_level: 'Q4_K_M' } })) });
    }
    if (req.method === 'GET' && path === '/api/version') return json(res, 200, { version: '0.12.6' });
    if (req.method !== 'POST' || path !== '/api/chat') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return res.end('404 page not found');
    }
    if (bad) return json(res, 400, { error: bad.message });
    const failure = failures.shift();
    if (failure?.kind === 'status') {
      res.writeHead(failure.status, { 'content-type': 'application/json', ...failure.headers });
      return res.end(failure.body);
    }
    if (typeof body.model !== 'string' || !body.model) return json(res, 400, { error: 'model is required' });
    if (!Array.isArray(body.messages)) return json(res, 400, { error: 'messages is required' });
    const model = body.model;
    if (!models.includes(model) && !models.includes(`${model}:latest`)) return json(res, 404, { error: `model "${model}" not found, try pulling it first` });
    if (delayMs > 0) await pause(delayMs);
    if (res.destroyed) return;

    const write = async (line: string) => {
      const bytes = Buffer.from(`${line}\n`, 'utf8');
      if (splitLines && bytes.length > 2) {
        const mid = Math.floor(bytes.length / 2);
        res.write(bytes.subarray(0, mid));
        await pause(5);
        res.write(bytes.subarray(mid));
      } else {
        res.write(bytes);
      }
      if (chunkDelayMs > 0) await pause(chunkDelayMs);
    };
    const started = process.hrtime.bigint();
    const line = (content: string) => JSON.stringify({ model, created_at: new Date().toISOString(), message: { role: 'assistant', content }, done: false });
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const text = typeof reply === 'function' ? reply(body) : reply;
    const parts = pieces(text);
    const half = Math.max(1, Math.floor(parts.length / 2));
    for (const [i, part] of parts.entries()) {
      if (res.destroyed) return;
      if (i === half && failure?.kind === 'cut') {
        res.socket?.destroy();
        return;
      }
      if (i === half && failure?.kind === 'error-line') {
        await write(JSON.stringify({ error: failure.message }));
        return res.end();
      }
      if (i === 1 && failure?.kind === 'malformed') await write('{"model":"oops", this is not json');
      await write(line(part));
    }
    if (failure?.kind === 'no-done') return res.end();
    const total = Number(process.hrtime.bigint() - started);
    await write(JSON.stringify({
      model, created_at: new Date().toISOString(), message: { role: 'assistant', content: '' }, done_reason: 'stop', done: true,
      total_duration: total, load_duration: 1_000_000, prompt_eval_count: 26, prompt_eval_duration: 2_000_000, eval_count: parts.length, eval_duration: total,
    }));
    res.end();
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
    setModels: (names) => void (models = [...names]),
    setReply: (r) => void (reply = r),
    setDelay: (ms) => void (delayMs = ms),
    setChunkDelay: (ms) => void (chunkDelayMs = ms),
    setSplitLines: (on) => void (splitLines = on),
    failNext(n, status, headers = {}, message = `Fake failure ${status}`) {
      for (let i = 0; i < n; i++) failures.push({ kind: 'status', status, headers, body: JSON.stringify({ error: message }) });
    },
    cutNext: () => void failures.push({ kind: 'cut' }),
    malformedNext: () => void failures.push({ kind: 'malformed' }),
    errorLineNext: (message = 'an error was encountered while running the model') => void failures.push({ kind: 'error-line', message }),
    noDoneNext: () => void failures.push({ kind: 'no-done' }),
    close,
    [Symbol.asyncDispose]: close,
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
