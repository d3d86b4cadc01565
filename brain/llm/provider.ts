/** One message of a chat prompt. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** One model call. */
export interface CompletionRequest {
  messages: readonly ChatMessage[];
  maxTokens: number;
  temperature: number;
  /** Aborts the call (a turn timeout, a shutdown). */
  signal?: AbortSignal;
}

/** Which kind of engine answers. `none` is the labelled no-model mode. */
export type ProviderId = 'openai' | 'ollama' | 'local' | 'none';

/**
 * A language model behind one interface. `stream` yields text deltas as the model produces them
 * and throws a `HelixError` with a `model_*` code (`model_rate_limited` carries `retryAfterMs`).
 */
export interface LlmProvider {
  readonly id: ProviderId;
  /** The model name or file, for logs, metrics and the console. */
  readonly model: string;
  stream(req: CompletionRequest): AsyncIterable<string>;
  /** Releases sockets, child processes and model memory; safe to call twice. */
  close(): Promise<void>;
}
