import { accountKey } from '../../../identity/index.ts';
import type { ConversationLog } from '../../../store/index.ts';
import { traceIdOf } from '../../../mesh/index.ts';
import type { TurnStage } from '../turn-context.ts';
import { announcedHistoryMessages, historyReadLimit, keepReadAhead } from './history-read-ahead.ts';

/**
 * Writes the burst's messages to the conversation's history (idempotent: a retried turn adds nothing twice).
 * When a load-history stage reads this log, the history it wants is read in the same statement and handed on,
 * with which authors have never spoken in another conversation (recall then does not look there) and which hold
 * no memories (recall then does not search them).
 */
export function recordIncoming(log: ConversationLog): TurnStage {
  return {
    name: 'record-incoming',
    async run(ctx) {
      const entries = ctx.turns.map((t) => ({
        platform: t.platform,
        conversationId: t.conversation.id,
        eventId: t.eventId,
        role: 'user' as const,
        authorAccountId: t.author.accountId,
        authorName: t.author.displayName,
        text: t.text,
        at: new Date(t.receivedAt),
        traceId: traceIdOf(t.traceparent),
      }));
      const historyMessages = announcedHistoryMessages(log);
      const ofThisConversation = entries.every((e) => e.platform === ctx.platform && e.conversationId === ctx.conversation.id);
      if (historyMessages === undefined || !ofThisConversation) {
        await log.append(entries);
        return;
      }
      const limit = historyReadLimit(historyMessages, ctx);
      const read = await log.appendAndRecent(ctx.platform, ctx.conversation.id, entries, limit);
      keepReadAhead(ctx, limit, read.entries);
      const keys = (ids: readonly string[]) => new Set(ids.map((accountId) => accountKey({ platform: ctx.platform, accountId })));
      ctx.authorsOnlyHere = keys(read.authorsOnlyHere);
      ctx.authorsWithoutMemories = keys(read.authorsWithoutMemories);
    },
  };
}
