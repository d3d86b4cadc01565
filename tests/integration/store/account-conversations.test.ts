// Where each account last spoke, kept by the conversation log's own writes, and the cross-conversation context
// that reads it: a person's older lines elsewhere are found however long they have talked in this conversation
// (real PGlite, in memory).
import { sql } from 'kysely';
import { afterEach, describe, expect, test } from 'vitest';
import { recentContext } from '../../../brain/memory/continuity.ts';
import type { PersonId } from '../../../identity/index.ts';
import { accountConversations } from '../../../store/migrations/0007-account-conversations.ts';
import { ConversationLog, openStore, type ConversationLogEntry, type Store } from '../../../store/index.ts';

const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

async function open(): Promise<{ store: Store; log: ConversationLog }> {
  const store = await openStore({ dataDir: 'memory://' });
  stores.push(store);
  return { store, log: new ConversationLog(store.db) };
}

const t = (minutes: number) => new Date(Date.UTC(2026, 0, 1) + minutes * 60_000);
const line = (conversationId: string, i: number, at: Date, role: 'user' | 'assistant' = 'user', authorAccountId = 'u1'): ConversationLogEntry =>
  ({ platform: 'web', conversationId, eventId: `${conversationId}-${role}-${i}`, role, ...(role === 'user' ? { authorAccountId } : {}), authorName: role === 'user' ? 'Ada' : 'Helix', text: `${conversationId} ${role} ${i}`, at });

async function spoke(store: Store) {
  const { rows } = await sql<{ account_id: string; conversation_id: string; last_at: Date }>`select account_id, conversation_id, last_at from account_conversations order by account_id, conversation_id`.execute(store.db);
  return rows.map((r) => [r.account_id, r.conversation_id, new Date(r.last_at).toISOString()]);
}

describe('account conversations', () => {
  test('GIVEN lines appended one by one or with a history read THEN each author\'s last time per conversation is kept, a late retry never moves it back, and Helix\'s lines are not counted', async () => {
    const { store, log } = await open();
    await log.append([line('a', 1, t(1)), line('a', 1, t(2), 'assistant'), line('a', 2, t(3), 'user', 'u2')]);
    await log.appendAndRecent('web', 'b', [line('b', 1, t(5)), line('b', 2, t(6))], 10);
    await log.append([line('a', 0, t(0))]); // a retry of an older message
    expect(await spoke(store)).toEqual([['u1', 'a', t(1).toISOString()], ['u1', 'b', t(6).toISOString()], ['u2', 'a', t(3).toISOString()]]);
  });

  test('GIVEN a write with a history read THEN it says which authors have never spoken in another conversation, as the table stood before the write', async () => {
    const { log } = await open();
    // First words ever: nobody has spoken anywhere else.
    expect((await log.appendAndRecent('web', 'a', [line('a', 1, t(1)), line('a', 1, t(1.5), 'assistant'), line('a', 2, t(2), 'user', 'u2')], 10)).authorsOnlyHere.sort()).toEqual(['u1', 'u2']);
    // Again in the same conversation: still only here.
    expect((await log.appendAndRecent('web', 'a', [line('a', 3, t(3))], 10)).authorsOnlyHere).toEqual(['u1']);
    // u1 in a second conversation: it has spoken elsewhere (in a), and from then on in a too.
    expect((await log.appendAndRecent('web', 'b', [line('b', 1, t(4)), line('b', 2, t(5), 'user', 'u3')], 10)).authorsOnlyHere).toEqual(['u3']);
    expect((await log.appendAndRecent('web', 'a', [line('a', 4, t(6)), line('a', 5, t(7), 'user', 'u2')], 10)).authorsOnlyHere).toEqual(['u2']);
    // The same account id on another platform is another account.
    expect((await log.appendAndRecent('discord', 'a', [{ ...line('a', 6, t(8)), platform: 'discord' }], 10)).authorsOnlyHere).toEqual(['u1']);
    // Helix's own lines name no author.
    expect((await log.appendAndRecent('web', 'a', [line('a', 7, t(9), 'assistant')], 10)).authorsOnlyHere).toEqual([]);
  });

  test('GIVEN a log written before the table existed THEN the migration fills it from the log', async () => {
    const { store, log } = await open();
    await log.append([line('a', 1, t(1)), line('a', 2, t(4)), line('c', 1, t(2))]);
    await sql`delete from account_conversations`.execute(store.db);
    await accountConversations.up(store.db);
    expect(await spoke(store)).toEqual([['u1', 'a', t(4).toISOString()], ['u1', 'c', t(2).toISOString()]]);
  });

  test('GIVEN a person whose newest lines are all in this conversation THEN the context still brings their last exchanges elsewhere, newest last, with the replies that followed', async () => {
    const { store, log } = await open();
    await log.append([line('elsewhere', 1, t(0)), line('elsewhere', 1, t(0.5), 'assistant'), line('elsewhere', 2, t(1))]);
    await log.append([line('long-ago', 1, t(-100))]);
    for (let i = 0; i < 600; i += 100) {
      await log.append(Array.from({ length: 100 }, (_, j) => line('this-dm', i + j, t(10 + i + j), (i + j) % 2 ? 'assistant' : 'user')));
    }
    const ctx = await recentContext(store.db, '00000000-0000-4000-8000-000000000001' as PersonId, {
      accountsOf: async () => [{ platform: 'web', accountId: 'u1' }],
      exceptConversation: { platform: 'web', conversationId: 'this-dm' },
      limit: 3,
    });
    expect(ctx.map((c) => [c.conversationId, c.said, c.replied])).toEqual([
      ['long-ago', 'long-ago user 1', undefined],
      ['elsewhere', 'elsewhere user 1', 'elsewhere assistant 1'],
      ['elsewhere', 'elsewhere user 2', undefined],
    ]);
  });
});
