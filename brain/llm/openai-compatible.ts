import { EventSourceParserStream } from 'eventsource-parser/stream';
import { z } from 'zod';
import { HelixError } from '../../mesh/index.ts';
import { modelError, postModelStream } from './model-http.ts';
import type { CompletionRequest, LlmProvider } from './provider.ts';

/** One `chat.completion.chunk` as OpenAI-compatible servers stream it (only what Helix reads). */
const Chunk = z.object({
  choices: z.array(z.object({ delta: z.object({ content: z.string().nullish() }).partial().optional(), finish_reason: z.string().nullish() })).default([]),
});

export interface OpenAiCompatibleOptions {
  /** e.g. https://api.openai.com/v1, http://127.0.0.1:8000/v1 (vLLM), http://127.0.0.1:8080/v1 (llama.cpp server). */
  baseUrl: string;
  apiKey?: string | undefined;
  model: string;
  timeoutMs: number;
  maxRetries: number;
}

/**
 * Chat completions with SSE streaming (`stream: true`): OpenAI, the Hugging Face router / TGI, vLLM,
 * llama.cpp server, LM Studio. The stream must end with `data: [DONE]` (or a finish_reason); one that
 * stops before is reported as `model_stream_cut` after the text already yielded.
 * @see https://platform.openai.com/docs/api-reference/chat/streaming
 */
export class OpenAiCompatibleProvider implements LlmProvider {
  readonly id = 'openai' as const;
  readonly model: string;
  readonly #opts: OpenAiCompatibleOptions;
  readonly #url: string;

  constructor(opts: OpenAiCompatibleOptions) {
    this.#opts = opts;
    this.model = opts.model;
    this.#url = `${opts.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  }

  async *stream(req: CompletionRequest): AsyncIterable<string> {
    const describe = `The OpenAI-compatible API at ${new URL(this.#url).origin}`;
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    // Kept out of every log line: only this header carries the key.
    if (this.#opts.apiKey) headers.authorization = `Bearer ${this.#opts.apiKey}`;
    const body = { model: this.model, messages: req.messages, stream: true, max_tokens: req.maxTokens, temperature: req.temperature };
    const httpOpts = { timeoutMs: this.#opts.timeoutMs, maxRetries: this.#opts.maxRetries, signal: req.signal, describe };
    const { response, timeout } = await postModelStream(this.#url, body, headers, httpOpts);
    if (!response.body) throw new HelixError('model_stream_cut', `${describe} sent an empty response.`);
    let finished = false;
    try {
      const events = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
      for await (const event of events) {
        if (event.data.trim() === '[DONE]') {
          finished = true;
          break;
        }
        let json: unknown;
        try {
          json = JSON.parse(event.data);
        } catch {
          throw new HelixError('model_rejected', `${describe} streamed a chunk that is not JSON: ${event.data.slice(0, 120)}`);
        }
        if (typeof json === 'object' && json !== null && 'error' in json) {
          const e = (json as { error: { message?: string } | string }).error;
          throw new HelixError('model_unavailable', `${describe} reported an error mid-stream: ${typeof e === 'string' ? e : (e.message ?? 'unknown')}`);
        }
        const chunk = Chunk.safeParse(json);
        if (!chunk.success) throw new HelixError('model_rejected', `${describe} streamed a chunk Helix cannot read: ${z.prettifyError(chunk.error)}`);
        for (const choice of chunk.data.choices) {
          const text = choice.delta?.content;
          if (text) yield text;
          if (choice.finish_reason) finished = true;
        }
      }
    } catch (err) {
      throw await modelError(err, httpOpts, timeout, undefined, true);
    }
    if (!finished) throw new HelixError('model_stream_cut', `${describe} stream ended before [DONE]: the reply is incomplete.`);
  }

  async close(): Promise<void> {}
}
