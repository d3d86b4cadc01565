import type { Histogram } from '../../../mesh/index.ts';
import type { LlmProvider } from '../../llm/provider.ts';
import type { TurnStage } from '../turn-context.ts';

export interface GenerateOptions {
  maxTokens: number;
  temperature: number;
  /** Least time between two drafts while streaming. @defaultValue `150` */
  draftIntervalMs?: number;
  /** Seconds to first token and to the whole reply, by provider. */
  firstTokenSeconds?: Histogram<'provider'>;
  modelSeconds?: Histogram<'provider'>;
}

/** Asks the model for the reply, streaming drafts; a reply recorded by an earlier attempt is reused as is. */
export function generate(provider: LlmProvider, opts: GenerateOptions): TurnStage {
  const draftIntervalMs = opts.draftIntervalMs ?? 150;
  return {
    name: 'generate',
    async run(ctx) {
      if (ctx.recordedReply !== undefined) {
        ctx.replyText = ctx.recordedReply;
        return;
      }
      if (ctx.directReply !== undefined) {
        ctx.replyText = ctx.directReply;
        return;
      }
      const started = performance.now();
      let lastDraft = started;
      let text = '';
      let first = true;
      for await (const delta of provider.stream({ messages: ctx.messages, maxTokens: opts.maxTokens, temperature: opts.temperature, signal: ctx.signal })) {
        if (first) {
          opts.firstTokenSeconds?.observe({ provider: provider.id }, (performance.now() - started) / 1_000);
          first = false;
        }
        text += delta;
        const now = performance.now();
        if (ctx.onDraft && now - lastDraft >= draftIntervalMs && text.trim()) {
          lastDraft = now;
          ctx.onDraft(text);
        }
      }
      opts.modelSeconds?.observe({ provider: provider.id }, (performance.now() - started) / 1_000);
      ctx.replyText = text.trim();
      ctx.log.debug({ provider: provider.id, model: provider.model, chars: ctx.replyText.length }, 'model replied');
    },
  };
}
