// A language model that answers at once: one short string, no I/O, so the bench measures Helix and not a model.
import type { ChatMessage, CompletionRequest, LlmProvider } from '../brain/llm/provider.ts';

/** The reply every turn gets. */
export const INSTANT_REPLY = 'Got it!';

/** An in-process {@link LlmProvider} that yields {@link INSTANT_REPLY} immediately; optionally records each prompt. */
export class InstantModel implements LlmProvider {
  readonly id = 'openai' as const;
  readonly model = 'bench-instant';
  calls = 0;
  /** Every prompt seen, when `record` is on (the burst bench checks order with it). */
  readonly prompts: ChatMessage[][] = [];
  readonly #record: boolean;

  constructor(opts: { record?: boolean } = {}) {
    this.#record = opts.record ?? false;
  }

  async *stream(req: CompletionRequest): AsyncIterable<string> {
    this.calls += 1;
    if (this.#record) this.prompts.push([...req.messages]);
    yield INSTANT_REPLY;
  }

  async close(): Promise<void> {}
}
