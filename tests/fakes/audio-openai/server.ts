// A fake OpenAI-compatible audio server on 127.0.0.1: `POST /v1/audio/transcriptions` (multipart,
// parsed with the platform's own multipart parser) and `POST /v1/audio/speech` (JSON → wav or pcm).
// Records every request so a test can assert what went over the wire.
import { createServer, type IncomingHttpHeaders } from 'node:http';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Multipart fields (transcriptions): strings, or `{filename, type, bytes}` for files. */
  form?: Record<string, string | { filename: string; type: string; bytes: Buffer }>;
  json?: Record<string, unknown>;
}

export interface FakeAudioOpenAiOptions {
  transcript?: string;
  /** Status to answer with instead of 200 (with an OpenAI-style error body). */
  status?: number;
  /** Never answer. */
  hang?: boolean;
  /** Audio returned by /audio/speech: 16-bit mono at `speechRate` (wav) or 24 kHz (pcm). */
  speech?: (text: string, rate: number) => Int16Array;
  /** @defaultValue `24000` */
  speechRate?: number;
}

export interface FakeAudioOpenAi extends AsyncDisposable {
  url: string;
  requests: RecordedRequest[];
  set(options: FakeAudioOpenAiOptions): void;
  close(): Promise<void>;
}

export async function startFakeAudioOpenAi(initial: FakeAudioOpenAiOptions = {}): Promise<FakeAudioOpenAi> {
  let opts = initial;
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const rec: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
        requests.push(rec);
        if (opts.hang) return;
        if (opts.status && opts.status !== 200) {
          res.writeHead(opts.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'fake failure', type: 'server_error' } }));
          return;
        }
        if (req.method === 'POST' && req.url === '/v1/audio/transcriptions') {
          const form = await new Response(body, { headers: { 'content-type': req.headers['content-type'] ?? '' } }).formData();
          rec.form = {};
          for (const [k, v] of form.entries()) {
            rec.form[k] = typeof v === 'string' ? v : { filename: v.name, type: v.type, bytes: Buffer.from(await v.arrayBuffer()) };
          }
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ text: opts.transcript ?? 'hello helix' }));
          return;
        }
        if (req.method === 'POST' && req.url === '/v1/audio/speech') {
          const json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
          rec.json = json;
          const pcmFormat = json.response_format === 'pcm';
          const rate = pcmFormat ? 24_000 : (opts.speechRate ?? 24_000);
          const text = String(json.input ?? '');
          const pcm = opts.speech ? opts.speech(text, rate) : sine(rate, 0.05 * text.length);
          const data = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
          if (pcmFormat) res.writeHead(200, { 'content-type': 'audio/pcm' }).end(data);
          else res.writeHead(200, { 'content-type': 'audio/wav' }).end(Buffer.concat([wavHeader(rate, data.length), data]));
          return;
        }
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }));
  return { url: `http://127.0.0.1:${port}/v1`, requests, set: (o) => (opts = { ...opts, ...o }), close, [Symbol.asyncDispose]: close };
}

function sine(rate: number, seconds: number): Int16Array {
  const out = new Int16Array(Math.round(rate * seconds));
  for (let i = 0; i < out.length; i++) out[i] = Math.round(8_000 * Math.sin((2 * Math.PI * 330 * i) / rate));
  return out;
}

/** A WAV header as OpenAI sends it (with a LIST chunk before data, which readers must skip). */
function wavHeader(rate: number, dataBytes: number): Buffer {
  const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([4, 0, 0, 0]), Buffer.from('INFO')]);
  const h = Buffer.alloc(36);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + list.length + 8 + dataBytes - 8 + 8, 4);
  h.write('WAVE', 8);
  h.write('fmt ', 12);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  const d = Buffer.alloc(8);
  d.write('data', 0);
  d.writeUInt32LE(dataBytes, 4);
  return Buffer.concat([h, list, d]);
}
