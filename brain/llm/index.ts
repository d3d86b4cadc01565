/** The brain's language-model clients. */
export type { LlmProvider, ChatMessage, CompletionRequest, ProviderId } from './provider.ts';
export { OpenAiCompatibleProvider, type OpenAiCompatibleOptions } from './openai-compatible.ts';
export { OllamaProvider, probeOllama, type OllamaOptions } from './ollama.ts';
export { withBudget, estimateTokens, type BudgetOptions } from './budget.ts';
export { NoModelProvider, NO_MODEL_TEXT } from './no-model.ts';
export { selectProvider, openLocalModel, type SelectProviderOptions } from './select-provider.ts';
