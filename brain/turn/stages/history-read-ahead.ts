import type { ConversationLog, ConversationLogEntry } from '../../../store/index.ts';
import type { TurnContext } from '../turn-context.ts';

/**
 * Lets record-incoming read the history with its write, in one statement, and hand it to load-history.
 * load-history says how much history it reads from a log (once, when the stage is made); record-incoming
 * reads that much while writing the burst; load-history then takes the entries instead of asking again.
 */
const historyMessagesByLog = new WeakMap<ConversationLog, number>();
const readAhead = new WeakMap<TurnContext, { limit: number; entries: ConversationLogEntry[] }>();

/** Entries load-history reads for a turn: the history wanted plus the burst and a recorded reply, if any. */
export function historyReadLimit(historyMessages: number, ctx: Pick<TurnContext, 'turns'>): number {
  return historyMessages + ctx.turns.length + 1;
}

export function announceHistoryMessages(log: ConversationLog, historyMessages: number): void {
  historyMessagesByLog.set(log, Math.max(historyMessages, historyMessagesByLog.get(log) ?? 0));
}

/** How much history a load-history stage over `log` will read; undefined when no such stage exists. */
export function announcedHistoryMessages(log: ConversationLog): number | undefined {
  return historyMessagesByLog.get(log);
}

export function keepReadAhead(ctx: TurnContext, limit: number, entries: ConversationLogEntry[]): void {
  readAhead.set(ctx, { limit, entries });
}

/** The entries read ahead for this turn when they cover `limit`; each read-ahead is taken once. */
export function takeReadAhead(ctx: TurnContext, limit: number): ConversationLogEntry[] | undefined {
  const kept = readAhead.get(ctx);
  readAhead.delete(ctx);
  return kept && kept.limit >= limit ? kept.entries : undefined;
}
