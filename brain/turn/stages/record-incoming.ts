import type { ConversationLog } from '../../../store/index.ts';
import { traceIdOf } from '../../../mesh/index.ts';
import type { TurnStage } from '../turn-context.ts';

/** Writes the burst's messages to the conversation's history (idempotent: a retried turn adds nothing twice). */
export function recordIncoming(log: ConversationLog): TurnStage {
  return {
    name: 'record-incoming',
    async run(ctx) {
      await log.append(
        ctx.turns.map((t) => ({
          platform: t.platform,
          conversationId: t.conversation.id,
          eventId: t.eventId,
          role: 'user' as const,
          authorAccountId: t.author.accountId,
          authorName: t.author.displayName,
          text: t.text,
          at: new Date(t.receivedAt),
          traceId: traceIdOf(t.traceparent),
        })),
      );
    },
  };
}
