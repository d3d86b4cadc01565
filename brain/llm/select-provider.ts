import type { HelixConfig } from '../../config/index.ts';
import type { Logger } from '../../mesh/index.ts';
import { NoModelProvider } from './no-model.ts';
import { OpenAiCompatibleProvider } from './openai-compatible.ts';
import type { LlmProvider } from './provider.ts';

export interface SelectProviderOptions {
  /** Directory relative model paths resolve against. */
  cwd: string;
  log: Logger;
}

/** Builds the configured language model client, or the no-model mode. */
export async function selectProvider(llm: HelixConfig['llm'], opts: SelectProviderOptions): Promise<LlmProvider> {
  const common = { timeoutMs: llm.timeoutMs, maxRetries: llm.maxRetries };
  switch (llm.provider) {
    case 'openai':
      opts.log.info({ provider: 'openai', baseUrl: llm.openai.baseUrl, model: llm.openai.model }, 'language model: OpenAI-compatible API');
      return new OpenAiCompatibleProvider({ baseUrl: llm.openai.baseUrl, apiKey: llm.openai.apiKey, model: llm.openai.model, ...common });
    case 'none':
    default:
      opts.log.warn({ provider: 'none' }, 'no language model configured: running in no-model mode');
      return new NoModelProvider();
  }
}
