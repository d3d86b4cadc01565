// record-incoming and load-history on a real store (PGlite in memory): the burst is written and the history
// before it read in one statement, and load-history answers from that read, including on a retried turn.
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import type { KyselyPlugin } from 'kysely';
import { createLogger, type InboundTurn } from '../../../mesh/index.ts';
import { ConversationLog, openStore, type Store } from '../../../store/index.ts';
import { loadHistory } from '../../../brain/turn/stages/load-history.ts';
import { recordIncoming } from '../../../brain/turn/stages/record-incoming.ts';
import { recordReply } from '../../../brain/turn/stages/record-reply.ts';
import type { TurnContext } from '../../../brain/turn/turn-context.ts';
import { makeTurn } from '../../helpers/mesh-harness.ts';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 180_000 });

let store: Store;
let statements = 0;
/** Counts every statement the log runs, as its result comes back (observation only: results pass through unchanged). */
const counting: KyselyPlugin = {
  transformQuery: (args) => args.node,
  transformResult: async (args) => {
    statements++;
    return args.result;
  },
};

beforeAll(async () => {
  store = await openStore({ dataDir: 'memory://' });
});
afterAll(async () => {
  await store?.close();
});

function contextFor(turns: InboundTurn[], replyId = `r-${turns.at(-1)!.eventId}`): TurnContext {
  const last = turns.at(-1)!;
  return {
    turns, platform: last.platform, conversation: last.conversation, replyId, log: createLogger('brain', 'silent'), signal: new AbortController().signal,
    now: new Date(), history: [], recordedReply: undefined, blocks: [], messages: [], replyText: '', replyParts: [], onDraft: undefined,
    people: new Map(), directReply: undefined, historyText: undefined, replyPrivate: false, appraisals: [],
  };
}

describe('record-incoming and load-history', () => {
  test('GIVEN a burst THEN one statement records it and reads the history before it, which load-history uses without asking again', async () => {
    const log = new ConversationLog(store.db.withPlugin(counting));
    const stages = [recordIncoming(log), loadHistory(log, 2), recordReply(log, 'Helix')];
    // The reply is stamped when it is recorded (now): the first burst came before it, the second after.
    const at = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();
    const earlier = [makeTurn({ conversationId: 'h1', text: 'one', receivedAt: at(-60_000) }), makeTurn({ conversationId: 'h1', text: 'two', receivedAt: at(-59_000) })];
    const first = contextFor(earlier);
    await stages[0]!.run(first);
    await stages[1]!.run(first);
    first.replyText = 'answer';
    await stages[2]!.run(first);

    const burst = [makeTurn({ conversationId: 'h1', text: 'three', receivedAt: at(60_000) }), makeTurn({ conversationId: 'h1', text: 'four', receivedAt: at(61_000) })];
    const ctx = contextFor(burst);
    statements = 0;
    await stages[0]!.run(ctx);
    await stages[1]!.run(ctx);
    expect(statements).toBe(1);
    // Two history messages wanted: the newest two before the burst, the burst itself left out.
    expect(ctx.history.map((e) => [e.role, e.text])).toEqual([['user', 'two'], ['assistant', 'answer']]);
    expect(ctx.recordedReply).toBeUndefined();
    expect((await log.recent('web', 'h1', 10)).map((e) => e.text)).toEqual(['one', 'two', 'answer', 'three', 'four']);
    // The read held the whole conversation: its size is known (two earlier messages and the burst's two).
    expect(first.conversationUserMessages).toBe(2);
    expect(ctx.conversationUserMessages).toBe(4);
  });

  test('GIVEN a conversation longer than the history read THEN its size is left unknown', async () => {
    const log = new ConversationLog(store.db);
    const stages = [recordIncoming(log), loadHistory(log, 1)];
    const sizes: Array<number | undefined> = [];
    for (const text of ['a', 'b', 'c', 'd']) {
      const ctx = contextFor([makeTurn({ conversationId: 'h4', text })]);
      for (const stage of stages) await stage.run(ctx);
      sizes.push(ctx.conversationUserMessages);
    }
    // One history message wanted: the read asks for 3 entries (history, burst, a recorded reply).
    expect(sizes).toEqual([1, 2, 3, undefined]);
  });

  test('GIVEN a turn retried after its reply was recorded THEN the recorded reply is found and the burst is not written twice', async () => {
    const log = new ConversationLog(store.db);
    const stages = [recordIncoming(log), loadHistory(log, 12), recordReply(log, 'Helix')];
    const burst = [makeTurn({ conversationId: 'h2', text: 'are you there?' })];
    const attempt = contextFor(burst);
    for (const stage of stages.slice(0, 2)) await stage.run(attempt);
    attempt.replyText = 'I am here.';
    await stages[2]!.run(attempt);

    const retry = contextFor(burst, attempt.replyId);
    await stages[0]!.run(retry);
    await stages[1]!.run(retry);
    expect(retry.recordedReply).toBe('I am here.');
    expect(retry.history).toEqual([]);
    // The burst the first attempt wrote is counted once.
    expect(retry.conversationUserMessages).toBe(1);
    expect((await log.recent('web', 'h2', 10)).map((e) => e.text)).toEqual(['are you there?', 'I am here.']);
  });

  test('GIVEN a log no load-history stage reads THEN record-incoming still records the burst', async () => {
    const log = new ConversationLog(store.db);
    const ctx = contextFor([makeTurn({ conversationId: 'h3', text: 'just this' })]);
    await recordIncoming(log).run(ctx);
    expect((await log.recent('web', 'h3', 10)).map((e) => e.text)).toEqual(['just this']);
  });
});
