import type { ConversationLog } from '../../../store/index.ts';
import type { TurnStage } from '../turn-context.ts';
import { announceHistoryMessages, historyReadLimit, takeReadAhead } from './history-read-ahead.ts';

/**
 * Loads the recent conversation before the burst being answered (usually already read by record-incoming,
 * with its write). If an earlier attempt of this turn already recorded its reply, that reply is kept aside so
 * the turn re-sends it instead of asking the model again.
 */
export function loadHistory(log: ConversationLog, historyMessages: number): TurnStage {
  announceHistoryMessages(log, historyMessages);
  return {
    name: 'load-history',
    async run(ctx) {
      const limit = historyReadLimit(historyMessages, ctx);
      const entries = takeReadAhead(ctx, limit) ?? (await log.recent(ctx.platform, ctx.conversation.id, limit));
      const recorded = entries.findIndex((e) => e.role === 'assistant' && e.eventId === ctx.replyId);
      if (recorded >= 0) {
        ctx.recordedReply = entries[recorded]!.text;
        entries.splice(recorded, 1);
      }
      // The burst itself is put last in the prompt by build-prompt; history is what came before it.
      const batchIds = new Set<string>(ctx.turns.map((t) => t.eventId));
      const prior = entries.filter((e) => !(e.role === 'user' && batchIds.has(e.eventId)));
      ctx.history = prior.slice(Math.max(0, prior.length - historyMessages));
      // Fewer entries than asked for: this is the whole conversation, so its size is known without counting.
      if (entries.length < limit) ctx.conversationUserMessages = prior.filter((e) => e.role === 'user').length + ctx.turns.length;
    },
  };
}
