// A fake embedding server on 127.0.0.1 speaking both wire formats Helix uses:
// Ollama `POST /api/embed` `{model, input: string | string[]}` → `{model, embeddings: [[...]]}` (404 `{"error"}` for an unknown model),
// and OpenAI `POST /v1/embeddings` `{model, input, dimensions?}` → `{object:"list", data:[{object:"embedding", embedding, index}], model, usage}`
// (401 without the expected bearer key, OpenAI-style error bodies). Vectors are deterministic per text (a
// bag of hashed letters, `dims` long) and are returned in shuffled order on the OpenAI side so the client must sort by `index`.
// @see https://docs.ollama.com/api/embed  https://platform.openai.com/docs/api-reference/embeddings/create
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeEmbeddingRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

export interface FakeEmbeddings {
  readonly url: string;
  readonly requests: FakeEmbeddingRequest[];
  /** Vector length returned (default 768, longer than Helix stores, as nomic-embed-text). */
  setDims(n: number): void;
  /** Models accepted (default `['nomic-embed-text', 'text-embedding-3-small']`). */
  setModels(names: string[]): void;
  /** OpenAI side: the bearer key required (default none). */
  setApiKey(key: string | undefined): void;
  /** The next `n` requests get `status` with an error body. */
  failNext(n: number, status: number): void;
  /** The deterministic vector the fake returns for `text` (before any client-side cutting). */
  vectorOf(text: string): number[];
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startFakeEmbeddings(): Promise<FakeEmbeddings> {
  let dims = 768;
  let models = ['nomic-embed-text', 'text-embedding-3-small'];
  let apiKey: string | undefined;
  let failures: { n: number; status: number } = { n: 0, status: 500 };
  const requests: FakeEmbeddingRequest[] = [];
  const sockets = new Set<Socket>();

  const vectorOf = (text: string, n = dims): number[] => {
    const v = new Array<number>(n).fill(0);
    for (const ch of text.toLowerCase()) v[(ch.codePointAt(0)! * 31) % n]! += 1;
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
    return v.map((x) => x / norm);
  };
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      return send(res, 400, { error: 'invalid JSON' });
    }
    const path = req.url ?? '';
    requests.push({ path, headers: req.headers, body });
    const inputs = Array.isArray(body.input) ? (body.input as string[]) : [String(body.input ?? '')];
    const model = String(body.model ?? '');
    if (failures.n > 0) {
      failures = { ...failures, n: failures.n - 1 };
      return send(res, failures.status, path.startsWith('/v1') ? { error: { message: 'injected failure', type: 'server_error' } } : { error: 'injected failure' });
    }
    if (req.method === 'POST' && path === '/api/embed') {
      if (!models.includes(model)) return send(res, 404, { error: `model "${model}" not found, try pulling it first` });
      return send(res, 200, { model, embeddings: inputs.map((t) => vectorOf(t)), total_duration: 1, load_duration: 0, prompt_eval_count: inputs.length });
    }
    if (req.method === 'POST' && path === '/v1/embeddings') {
      if (apiKey && req.headers.authorization !== `Bearer ${apiKey}`) return send(res, 401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } });
      if (!models.includes(model)) return send(res, 404, { error: { message: `The model \`${model}\` does not exist`, type: 'invalid_request_error', code: 'model_not_found' } });
      const n = typeof body.dimensions === 'number' ? body.dimensions : dims;
      const data = inputs.map((t, index) => ({ object: 'embedding', embedding: vectorOf(t, n), index })).reverse();
      return send(res, 200, { object: 'list', data, model, usage: { prompt_tokens: inputs.length, total_tokens: inputs.length } });
    }
    send(res, 404, { error: 'not found' });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
    return closing;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setDims: (n) => void (dims = n),
    setModels: (m) => void (models = m),
    setApiKey: (k) => void (apiKey = k),
    failNext: (n, status) => void (failures = { n, status }),
    vectorOf: (t) => vectorOf(t),
    close,
    [Symbol.asyncDispose]: close,
  };
}
