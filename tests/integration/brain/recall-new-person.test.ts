// Recall on a real store (PGlite in memory): someone met in this very turn has no memories yet, and someone
// who holds none is known to (record-incoming reads it with its write), so recall spends no statement searching
// them; once they hold a memory, what they said is searched and recalled.
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import type { KyselyPlugin, RootOperationNode } from 'kysely';
import { createLogger, type InboundTurn } from '../../../mesh/index.ts';
import { ConversationLog, openStore, type Store } from '../../../store/index.ts';
import { People } from '../../../identity/index.ts';
import { MemoryStore, rememberMessage } from '../../../brain/memory/index.ts';
import { recallMemories } from '../../../brain/turn/stages/memory.ts';
import { resolvePerson } from '../../../brain/turn/stages/resolve-person.ts';
import { recordIncoming } from '../../../brain/turn/stages/record-incoming.ts';
import { loadHistory } from '../../../brain/turn/stages/load-history.ts';
import type { TurnContext } from '../../../brain/turn/turn-context.ts';
import { makeTurn } from '../../helpers/mesh-harness.ts';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 180_000 });

let store: Store;
let searches = 0;
/** Counts the memory searches (recall's full-text and vector statement) the store runs; results pass through unchanged. */
const countSearches: KyselyPlugin = {
  transformQuery: (args) => {
    const node = args.node as RootOperationNode & { sqlFragments?: readonly string[] };
    if (node.kind === 'RawNode' && node.sqlFragments?.join('?').includes('websearch_to_tsquery')) searches++;
    return args.node;
  },
  transformResult: async (args) => args.result,
};

beforeAll(async () => {
  store = await openStore({ dataDir: 'memory://' });
});
afterAll(async () => {
  await store?.close();
});

function contextFor(turns: InboundTurn[]): TurnContext {
  const last = turns.at(-1)!;
  return {
    turns, platform: last.platform, conversation: last.conversation, replyId: `r-${last.eventId}`, log: createLogger('brain', 'silent'), signal: new AbortController().signal,
    now: new Date(), history: [], recordedReply: undefined, blocks: [], messages: [], replyText: '', replyParts: [], onDraft: undefined,
    people: new Map(), directReply: undefined, historyText: undefined, replyPrivate: false, appraisals: [],
  };
}

describe('recall for someone new', () => {
  test('GIVEN the first message of an account never seen THEN no memory search runs; their next message searches and recalls what they said', async () => {
    const db = store.db.withPlugin(countSearches);
    const people = new People(db);
    const memory = await MemoryStore.open({ store: { ...store, db } });
    const stages = [resolvePerson(people), recallMemories(memory, async (id) => people.accountsOf(id as Parameters<People['accountsOf']>[0]))];
    const author = { accountId: 'new-ivy', displayName: 'Ivy' };

    const first = contextFor([makeTurn({ conversationId: 'ivy-dm', author, text: 'I have a dog called Juno.' })]);
    for (const s of stages) await s.run(first);
    const ivy = [...first.people.values()][0]!;
    expect([...(first.newPeople ?? [])]).toEqual([ivy]);
    expect(searches).toBe(0);
    expect(first.blocks).toEqual([]);

    // Taken in after the reply (as remember does), then her next message.
    await rememberMessage(memory.forPerson(ivy), 'I have a dog called Juno.', { platform: 'web', conversationId: 'ivy-dm', eventId: first.turns[0]!.eventId, at: new Date() });
    const second = contextFor([makeTurn({ conversationId: 'ivy-dm', author, text: 'what is my dog called?' })]);
    for (const s of stages) await s.run(second);
    expect([...second.people.values()]).toEqual([ivy]);
    expect(second.newPeople).toBeUndefined();
    expect(searches).toBe(1);
    expect(second.blocks.map((b) => b.content).join('\n')).toContain('Juno');
  });

  test('GIVEN an account another brain already made a person for THEN it is not new here, and recall searches', async () => {
    const elsewhere = new People(store.db);
    const author = { accountId: 'known-jo', displayName: 'Jo' };
    const jo = await elsewhere.resolve({ platform: 'web', accountId: author.accountId });
    const db = store.db.withPlugin(countSearches);
    const people = new People(db);
    const memory = await MemoryStore.open({ store: { ...store, db } });
    const before = searches;
    const ctx = contextFor([makeTurn({ conversationId: 'jo-dm', author, text: 'hello again' })]);
    for (const s of [resolvePerson(people), recallMemories(memory, async (id) => people.accountsOf(id as Parameters<People['accountsOf']>[0]))]) await s.run(ctx);
    expect([...ctx.people.values()]).toEqual([jo]);
    expect(ctx.newPeople).toBeUndefined();
    expect(searches).toBe(before + 1);
  });
  test('GIVEN a returning person who holds no memory THEN recall runs no search; once they hold one, it searches and recalls it', async () => {
    const db = store.db.withPlugin(countSearches);
    const people = new People(db);
    const memory = await MemoryStore.open({ store: { ...store, db } });
    const log = new ConversationLog(db);
    // As the brain runs them: the burst written with the history read, the person resolved, history, recall.
    const stages = [recordIncoming(log), resolvePerson(people), loadHistory(log, 10), recallMemories(memory, async (id) => people.accountsOf(id as Parameters<People['accountsOf']>[0]))];
    const author = { accountId: 'quiet-max', displayName: 'Max' };
    const turn = async (text: string) => {
      const ctx = contextFor([makeTurn({ conversationId: 'max-dm', author, text })]);
      for (const s of stages) await s.run(ctx);
      return ctx;
    };
    const before = searches;

    const first = await turn('hi');
    const max = [...first.people.values()][0]!;
    const second = await turn('hi again');
    expect(second.newPeople).toBeUndefined();
    expect([...(second.authorsWithoutMemories ?? [])]).toEqual(['web:quiet-max']);
    expect(searches).toBe(before);

    await rememberMessage(memory.forPerson(max), 'My cat is called Miso.', { platform: 'web', conversationId: 'max-dm', eventId: second.turns[0]!.eventId, at: new Date() });
    const third = await turn('what is my cat called?');
    expect([...(third.authorsWithoutMemories ?? [])]).toEqual([]);
    expect(searches).toBe(before + 1);
    expect(third.blocks.map((b) => b.content).join('\n')).toContain('Miso');
  });
});
