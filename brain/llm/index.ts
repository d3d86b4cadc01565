/** The brain's language-model clients. */
export type { LlmProvider, ChatMessage, CompletionRequest, ProviderId } from './provider.ts';
export { OpenAiCompatibleProvider, type OpenAiCompatibleOptions } from './openai-compatible.ts';
export { NoModelProvider, NO_MODEL_TEXT } from './no-model.ts';
export { selectProvider, type SelectProviderOptions } from './select-provider.ts';
export { retryAfterMs } from './model-http.ts';
