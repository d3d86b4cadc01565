import type { ConversationLog } from '../../../store/index.ts';
import { traceIdOf } from '../../../mesh/index.ts';
import type { TurnStage } from '../turn-context.ts';

/** Records Helix's reply in history under the reply id (before it is sent, so a retry re-sends the same words). */
export function recordReply(log: ConversationLog, helixName: string): TurnStage {
  return {
    name: 'record-reply',
    async run(ctx) {
      const last = ctx.turns[ctx.turns.length - 1]!;
      await log.append([
        {
          platform: ctx.platform,
          conversationId: ctx.conversation.id,
          eventId: ctx.replyId,
          role: 'assistant',
          authorName: helixName,
          text: ctx.historyText ?? (ctx.replyText.trim() || ctx.replyParts.join('\n')),
          // Stamped when produced, so messages sent while Helix was thinking sort before it.
          at: new Date(),
          traceId: traceIdOf(last.traceparent),
        },
      ]);
    },
  };
}
