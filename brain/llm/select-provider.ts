import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import type { HelixConfig } from '../../config/index.ts';
import type { Logger } from '../../mesh/index.ts';
import { withBudget } from './budget.ts';
import { LocalGgufProvider, findGgufModel } from './local-gguf/index.ts';
import { NoModelProvider } from './no-model.ts';
import { OllamaProvider, probeOllama } from './ollama.ts';
import { OpenAiCompatibleProvider } from './openai-compatible.ts';
import type { LlmProvider } from './provider.ts';

export interface SelectProviderOptions {
  /** Directory relative model paths resolve against. */
  cwd: string;
  log: Logger;
  /**
   * The GGUF step of `llm.provider: auto`, tried when Ollama does not answer with a model: returns an
   * in-process provider for a model file under `llm.local.modelsDir`, or `undefined` when there is none.
   * @defaultValue {@link openLocalModel}
   */
  findLocalModel?: (llm: HelixConfig['llm'], opts: { cwd: string; log: Logger }) => Promise<LlmProvider | undefined>;
  /** How long `auto` waits for Ollama's `/api/tags`. @defaultValue `1500` */
  probeTimeoutMs?: number;
}

/**
 * Builds the configured language model client, or the no-model mode. Every real provider is wrapped in
 * {@link withBudget} (llm.maxConcurrency, llm.tokensPerMinute). `auto` tries, in order: Ollama at
 * llm.ollama.baseUrl if it lists at least one model, a local GGUF file (`findLocalModel`), no-model mode.
 */
export async function selectProvider(llm: HelixConfig['llm'], opts: SelectProviderOptions): Promise<LlmProvider> {
  const common = { timeoutMs: llm.timeoutMs, maxRetries: llm.maxRetries };
  const budget = (p: LlmProvider) => withBudget(p, { maxConcurrency: llm.maxConcurrency, tokensPerMinute: llm.tokensPerMinute });
  const limits = { maxConcurrency: llm.maxConcurrency, tokensPerMinute: llm.tokensPerMinute };
  switch (llm.provider) {
    case 'openai':
      opts.log.info({ provider: 'openai', baseUrl: llm.openai.baseUrl, model: llm.openai.model, ...limits, reason: 'llm.provider is openai' }, 'language model: OpenAI-compatible API');
      return budget(new OpenAiCompatibleProvider({ baseUrl: llm.openai.baseUrl, apiKey: llm.openai.apiKey, model: llm.openai.model, ...common }));
    case 'ollama':
      opts.log.info({ provider: 'ollama', baseUrl: llm.ollama.baseUrl, model: llm.ollama.model ?? '(first listed)', ...limits, reason: 'llm.provider is ollama' }, 'language model: Ollama');
      return budget(new OllamaProvider({ baseUrl: llm.ollama.baseUrl, model: llm.ollama.model, ...common }));
    case 'local': {
      const local = await openLocalModel(llm, opts);
      if (local instanceof NoModelProvider) return local;
      if (!local) {
        const text = `I'm set to run a local model file, but there is no .gguf file in ${llm.local.modelsDir} and llm.local.modelPath is not set. Put a model there or set HELIX_LLM__LOCAL__MODEL_PATH (see the README, "Pointing Helix at a model").`;
        opts.log.error({ provider: 'local', modelsDir: llm.local.modelsDir }, 'llm.provider is local but no model file was found');
        return new NoModelProvider(text);
      }
      opts.log.info({ provider: 'local', model: local.model, ...limits, reason: 'llm.provider is local' }, 'language model: local model file');
      return budget(local);
    }
    case 'auto': {
      const models = await probeOllama(llm.ollama.baseUrl, opts.probeTimeoutMs ?? 1_500);
      if (models && models.length > 0) {
        const model = llm.ollama.model ?? models[0];
        opts.log.info({ provider: 'ollama', baseUrl: llm.ollama.baseUrl, model, ...limits, reason: `llm.provider is auto and Ollama answered with ${models.length} model(s)` }, 'language model: Ollama');
        return budget(new OllamaProvider({ baseUrl: llm.ollama.baseUrl, model, ...common }));
      }
      const ollamaWhy = models ? `Ollama at ${llm.ollama.baseUrl} has no models (run \`ollama pull llama3.2\`)` : `Ollama did not answer at ${llm.ollama.baseUrl}`;
      const local = await (opts.findLocalModel ?? openLocalModel)(llm, { cwd: opts.cwd, log: opts.log });
      if (local instanceof NoModelProvider) return local;
      if (local) {
        opts.log.info({ provider: local.id, model: local.model, ...limits, reason: `llm.provider is auto, ${ollamaWhy}, and a local model file was found` }, 'language model: local model file');
        return budget(local);
      }
      const localWhy = `no .gguf file in ${llm.local.modelsDir}`;
      opts.log.warn({ provider: 'none', reason: `llm.provider is auto, ${ollamaWhy}, and ${localWhy}` }, 'no language model found: running in no-model mode');
      return new NoModelProvider();
    }
    case 'none':
    default:
      opts.log.warn({ provider: 'none', reason: `llm.provider is ${llm.provider}` }, 'no language model configured: running in no-model mode');
      return new NoModelProvider();
  }
}

/**
 * Opens the local GGUF model: `llm.local.modelPath`, else the first `*.gguf` in `llm.local.modelsDir`;
 * `undefined` when there is none. A file llama.cpp cannot load never takes the brain down: the result is
 * then a no-model provider whose one line says which file failed and why (also logged).
 */
export async function openLocalModel(llm: HelixConfig['llm'], opts: { cwd: string; log: Logger }): Promise<LlmProvider | undefined> {
  const at = (p: string) => (isAbsolute(p) ? p : resolve(opts.cwd, p));
  const modelPath = llm.local.modelPath ? at(llm.local.modelPath) : findGgufModel(at(llm.local.modelsDir));
  if (!modelPath) return undefined;
  // 0 = choose: all cores but one (llama.cpp's own default oversubscribes small machines badly).
  const threads = llm.local.threads || Math.max(1, availableParallelism() - 1);
  try {
    return await LocalGgufProvider.open({ modelPath, threads, gpu: llm.local.gpu, contextSize: llm.local.contextSize, timeoutMs: llm.timeoutMs, log: opts.log });
  } catch (err) {
    const reason = (err as Error).message;
    opts.log.error({ provider: 'local', modelPath, err: reason }, 'the local model file could not be loaded: running in no-model mode');
    return new NoModelProvider(`I couldn't load my model file (${modelPath}): ${reason} Replace the file or point Helix at another model (see the README, "Pointing Helix at a model").`);
  }
}
