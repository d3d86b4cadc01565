import ky from 'ky';
import { z } from 'zod';
import { HelixError, hasErrorCode } from '../../mesh/index.ts';
import { modelError, postModelStream } from './model-http.ts';
import type { CompletionRequest, LlmProvider } from './provider.ts';

/** One line of a streaming `/api/chat` answer (only what Helix reads). @see https://docs.ollama.com/api/chat */
const ChatLine = z.object({
  message: z.object({ content: z.string().optional() }).optional(),
  done: z.boolean(),
  done_reason: z.string().optional(),
});

/** `GET /api/tags`: the models pulled into this Ollama. @see https://docs.ollama.com/api/tags */
const Tags = z.object({ models: z.array(z.object({ name: z.string().min(1) })) });

export interface OllamaOptions {
  /** e.g. http://127.0.0.1:11434 (no `/api`). */
  baseUrl: string;
  /** Model name (`llama3.2`, `qwen2.5:7b`). Unset: the first model `/api/tags` lists, looked up on the first call. */
  model?: string | undefined;
  timeoutMs: number;
  maxRetries: number;
}

/**
 * Ollama's native chat API with NDJSON streaming: one JSON object per line, the last with `done: true`.
 * An error after the stream has started arrives as an `{"error": "..."}` line (the status stays 200), and a
 * stream that stops without `done: true` is reported as `model_stream_cut` after the text already yielded.
 * @see https://docs.ollama.com/api/chat
 * @see https://docs.ollama.com/api/errors
 */
export class OllamaProvider implements LlmProvider {
  readonly id = 'ollama' as const;
  readonly #opts: OllamaOptions;
  readonly #baseUrl: string;
  readonly #describe: string;
  #model: string | undefined;

  constructor(opts: OllamaOptions) {
    this.#opts = opts;
    this.#baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.#describe = `Ollama at ${new URL(this.#baseUrl).origin}`;
    this.#model = opts.model;
  }

  /** The configured model, or the one picked from `/api/tags` once the first call has looked it up. */
  get model(): string {
    return this.#model ?? 'first model Ollama lists';
  }

  async *stream(req: CompletionRequest): AsyncIterable<string> {
    const describe = this.#describe;
    const httpOpts = { timeoutMs: this.#opts.timeoutMs, maxRetries: this.#opts.maxRetries, signal: req.signal, describe };
    // Resolved once it succeeds; a failed look-up (Ollama still starting, nothing pulled yet) is tried again on the next call.
    this.#model ??= await this.#firstModel(req.signal);
    const model = this.#model;
    const body = { model, messages: req.messages, stream: true, options: { num_predict: req.maxTokens, temperature: req.temperature } };
    let started;
    try {
      started = await postModelStream(`${this.#baseUrl}/api/chat`, body, { accept: 'application/x-ndjson' }, httpOpts);
    } catch (err) {
      // Ollama answers 404 `model "x" not found, try pulling it first`: say how to pull it.
      const status = ((err as { cause?: { response?: Response } }).cause)?.response?.status;
      if (hasErrorCode(err, 'model_rejected') && status === 404) {
        throw new HelixError('model_rejected', `${describe} has no model "${model}". Run \`ollama pull ${model}\`, or set llm.ollama.model to one that \`ollama list\` shows.`, { cause: err });
      }
      throw err;
    }
    const { response, timeout } = started;
    if (!response.body) throw new HelixError('model_stream_cut', `${describe} sent an empty response.`);
    let finished = false;
    try {
      for await (const line of ndjsonLines(response.body)) {
        let json: unknown;
        try {
          json = JSON.parse(line);
        } catch {
          throw new HelixError('model_rejected', `${describe} streamed a line that is not JSON: ${line.slice(0, 120)}`);
        }
        if (typeof json === 'object' && json !== null && 'error' in json) {
          const e = (json as { error: unknown }).error;
          throw new HelixError('model_unavailable', `${describe} reported an error mid-stream: ${typeof e === 'string' ? e : JSON.stringify(e)}`);
        }
        const chunk = ChatLine.safeParse(json);
        if (!chunk.success) throw new HelixError('model_rejected', `${describe} streamed a line Helix cannot read: ${z.prettifyError(chunk.error)}`);
        const text = chunk.data.message?.content;
        if (text) yield text;
        if (chunk.data.done) {
          finished = true;
          break;
        }
      }
    } catch (err) {
      throw await modelError(err, httpOpts, timeout, undefined, true);
    }
    if (!finished) throw new HelixError('model_stream_cut', `${describe} stream ended before its "done": true line: the reply is incomplete.`);
  }

  async close(): Promise<void> {}

  async #firstModel(signal: AbortSignal | undefined): Promise<string> {
    const timeout = AbortSignal.timeout(this.#opts.timeoutMs);
    const opts = { timeoutMs: this.#opts.timeoutMs, signal, describe: this.#describe };
    let names: string[];
    try {
      names = await listOllamaModels(this.#baseUrl, signal ? AbortSignal.any([signal, timeout]) : timeout);
    } catch (err) {
      throw await modelError(err, opts, timeout, `${this.#baseUrl}/api/tags`);
    }
    const first = names[0];
    if (!first) {
      throw new HelixError('model_not_configured', `${this.#describe} has no models yet. Run \`ollama pull llama3.2\` (or another chat model), or set llm.ollama.model.`);
    }
    return first;
  }
}

/**
 * The model names an Ollama server lists, or `undefined` when nothing that speaks Ollama answers at
 * `baseUrl` within `timeoutMs` (not running, another program on the port, a malformed answer).
 * Used by `llm.provider: auto` to decide whether Ollama is there.
 */
export async function probeOllama(baseUrl: string, timeoutMs: number): Promise<string[] | undefined> {
  try {
    return await listOllamaModels(baseUrl.replace(/\/+$/, ''), AbortSignal.timeout(timeoutMs));
  } catch {
    return undefined;
  }
}

async function listOllamaModels(baseUrl: string, signal: AbortSignal): Promise<string[]> {
  const json = await ky.get(`${baseUrl}/api/tags`, { signal, timeout: false, retry: 0 }).json();
  const tags = Tags.safeParse(json);
  if (!tags.success) throw new HelixError('model_rejected', `The server at ${new URL(baseUrl).origin} answered /api/tags in a shape Ollama does not use: ${z.prettifyError(tags.error)}`);
  return tags.data.models.map((m) => m.name);
}

/**
 * Splits a byte stream into its non-empty lines. Network chunks end anywhere (mid-line, even mid-character),
 * so the decoder keeps partial characters and the tail of a line waits for the next chunk.
 */
async function* ndjsonLines(body: ReadableStream<Uint8Array>): AsyncIterable<string> {
  let rest = '';
  for await (const text of body.pipeThrough(new TextDecoderStream())) {
    rest += text;
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, nl).trim();
      rest = rest.slice(nl + 1);
      if (line) yield line;
    }
  }
  if (rest.trim()) yield rest.trim();
}
