import { z } from 'zod';
import { HelixError } from '../../../mesh/index.ts';
import { fitDims, type Embedder } from './embedder.ts';
import { checkVectors, postEmbedJson } from './http-embedder.ts';

/** `POST /api/embed` answer (only what Helix reads). @see https://docs.ollama.com/api/embed */
const EmbedAnswer = z.object({ embeddings: z.array(z.array(z.number())) });

export interface OllamaEmbedderOptions {
  /** e.g. http://127.0.0.1:11434 (no `/api`). */
  baseUrl: string;
  /** An embedding model (`nomic-embed-text`, `all-minilm`). */
  model: string;
  dims: number;
  /** @defaultValue `30000` */
  timeoutMs?: number;
}

/**
 * Ollama's embedding API: `{model, input: [...]}` → `{embeddings: [[...]]}`, one vector per input.
 * Longer vectors are cut to `dims` and re-normalised (see {@link fitDims}).
 * @see https://docs.ollama.com/api/embed
 */
export class OllamaEmbedder implements Embedder {
  readonly id: string;
  readonly dims: number;
  readonly #opts: OllamaEmbedderOptions;
  readonly #url: string;
  readonly #describe: string;

  constructor(opts: OllamaEmbedderOptions) {
    this.#opts = opts;
    this.dims = opts.dims;
    this.id = `ollama:${opts.model}`;
    const base = opts.baseUrl.replace(/\/+$/, '');
    this.#url = `${base}/api/embed`;
    this.#describe = `Ollama embeddings at ${new URL(base).origin}`;
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<number[][]> {
    if (texts.length === 0) return [];
    const json = await postEmbedJson(this.#url, { model: this.#opts.model, input: texts }, {}, this.#describe, this.#opts.timeoutMs ?? 30_000, signal);
    const parsed = EmbedAnswer.safeParse(json);
    if (!parsed.success) throw new HelixError('embedder_rejected', `${this.#describe} answered without an "embeddings" array: ${z.prettifyError(parsed.error)}`);
    checkVectors(parsed.data.embeddings, texts.length, this.dims, this.#describe);
    return parsed.data.embeddings.map((v) => fitDims(v, this.dims));
  }

  async close(): Promise<void> {}
}
