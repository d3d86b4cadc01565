import type { HelixConfig } from '../../../config/index.ts';
import type { Embedder } from './embedder.ts';
import { LocalHashEmbedder } from './local-hash.ts';
import { OllamaEmbedder } from './ollama.ts';
import { OpenAiEmbedder } from './openai.ts';

/** The embedder `memory.embedder` names, with its defaults filled from the `llm` section. */
export function selectEmbedder(cfg: Pick<HelixConfig, 'memory' | 'llm'>): Embedder {
  const m = cfg.memory;
  switch (m.embedder) {
    case 'ollama':
      return new OllamaEmbedder({ baseUrl: m.url ?? cfg.llm.ollama.baseUrl, model: m.model ?? 'nomic-embed-text', dims: m.dims, timeoutMs: m.timeoutMs });
    case 'openai':
      return new OpenAiEmbedder({ baseUrl: m.url ?? cfg.llm.openai.baseUrl, apiKey: m.apiKey ?? cfg.llm.openai.apiKey, model: m.model ?? 'text-embedding-3-small', dims: m.dims, timeoutMs: m.timeoutMs });
    case 'local':
      return new LocalHashEmbedder(m.dims);
  }
}
