import type { LlmProvider } from './provider.ts';

/** What Helix says, in one friendly line, when no language model is configured. */
export const NO_MODEL_TEXT =
  "I'm running without a language model right now, so I can't chat properly yet. To give me one: run Ollama on this machine (127.0.0.1:11434), " +
  'put a .gguf model file in ./models, or set llm.provider with an OpenAI-compatible endpoint (see the README, "Pointing Helix at a model").';

/** The clearly-labelled no-model mode: every turn gets {@link NO_MODEL_TEXT}; everything deterministic still works. */
export class NoModelProvider implements LlmProvider {
  readonly id = 'none' as const;
  readonly model = 'none';
  readonly #text: string;
  /** `text` replaces the default line, e.g. to say why a configured model could not be loaded. */
  constructor(text: string = NO_MODEL_TEXT) {
    this.#text = text;
  }
  async *stream(): AsyncIterable<string> {
    yield this.#text;
  }
  async close(): Promise<void> {}
}
