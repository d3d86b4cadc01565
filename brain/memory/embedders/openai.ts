import { z } from 'zod';
import { HelixError } from '../../../mesh/index.ts';
import { fitDims, type Embedder } from './embedder.ts';
import { checkVectors, postEmbedJson } from './http-embedder.ts';

/** `POST /v1/embeddings` answer (only what Helix reads). @see https://platform.openai.com/docs/api-reference/embeddings/create */
const EmbeddingsAnswer = z.object({ data: z.array(z.object({ embedding: z.array(z.number()), index: z.number().int().min(0) })) });

export interface OpenAiEmbedderOptions {
  /** Base URL of an OpenAI-compatible API, including `/v1` (as `llm.openai.baseUrl`). */
  baseUrl: string;
  apiKey?: string | undefined;
  /** e.g. `text-embedding-3-small`. */
  model: string;
  dims: number;
  /** Send `dimensions` (OpenAI text-embedding-3 models shorten their vectors server-side). @defaultValue `true` */
  sendDimensions?: boolean;
  /** @defaultValue `30000` */
  timeoutMs?: number;
}

/**
 * OpenAI-compatible embeddings: `{model, input}` → `{data: [{embedding, index}]}`; answers are put back
 * in input order by `index`. Asks for `dimensions` so text-embedding-3 returns the stored size.
 * @see https://platform.openai.com/docs/api-reference/embeddings/create
 */
export class OpenAiEmbedder implements Embedder {
  readonly id: string;
  readonly dims: number;
  readonly #opts: OpenAiEmbedderOptions;
  readonly #apiKey: string | undefined;
  readonly #url: string;
  readonly #describe: string;

  constructor(opts: OpenAiEmbedderOptions) {
    this.#opts = opts;
    this.#apiKey = opts.apiKey;
    this.dims = opts.dims;
    this.id = `openai:${opts.model}`;
    const base = opts.baseUrl.replace(/\/+$/, '');
    this.#url = `${base}/embeddings`;
    this.#describe = `OpenAI-compatible embeddings at ${new URL(base).origin}`;
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<number[][]> {
    if (texts.length === 0) return [];
    const body = { model: this.#opts.model, input: texts, encoding_format: 'float', ...(this.#opts.sendDimensions === false ? {} : { dimensions: this.dims }) };
    const headers: Record<string, string> = this.#apiKey ? { authorization: `Bearer ${this.#apiKey}` } : {};
    const json = await postEmbedJson(this.#url, body, headers, this.#describe, this.#opts.timeoutMs ?? 30_000, signal);
    const parsed = EmbeddingsAnswer.safeParse(json);
    if (!parsed.success) throw new HelixError('embedder_rejected', `${this.#describe} answered without a "data" array of embeddings: ${z.prettifyError(parsed.error)}`);
    const ordered = [...parsed.data.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
    checkVectors(ordered, texts.length, this.dims, this.#describe);
    return ordered.map((v) => fitDims(v, this.dims));
  }

  async close(): Promise<void> {}
}
