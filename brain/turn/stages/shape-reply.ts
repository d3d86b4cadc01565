import { PLATFORM_CAPABILITIES, splitMessage } from '../../../mesh/index.ts';
import { toDialect } from '../../reply/markdown-dialect.ts';
import type { TurnStage } from '../turn-context.ts';

/** Shown when the model returned nothing at all, so the person is never left without an answer. */
export const EMPTY_REPLY_TEXT = "Hmm, I lost my words there. Could you say that again?";

/** Fits the reply to the platform: its markdown dialect and its comfortable length per message. */
export function shapeReply(): TurnStage {
  return {
    name: 'shape-reply',
    async run(ctx) {
      const caps = PLATFORM_CAPABILITIES[ctx.platform];
      const text = toDialect(ctx.replyText.trim() || EMPTY_REPLY_TEXT, caps.markdown);
      ctx.replyParts = splitMessage(text, caps.replyChars);
    },
  };
}
