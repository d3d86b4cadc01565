import { sql, type Kysely } from 'kysely';
import type { PersonId } from '../../identity/index.ts';
import type { Database } from '../../store/index.ts';
import type { AccountsOf } from './memory-types.ts';

/** One exchange from another conversation: what the person said, and Helix's reply right after it. */
export interface ContextExchange {
  readonly platform: string;
  readonly conversationId: string;
  readonly at: Date;
  readonly said: string;
  /** Helix's next message in that conversation, when nobody else spoke in between. */
  readonly replied: string | undefined;
}

export interface RecentContextOptions {
  accountsOf: AccountsOf;
  /** The conversation being answered: its own history is already in the prompt. */
  exceptConversation?: { platform: string; conversationId: string } | undefined;
  /** Exchanges returned. @defaultValue `3` */
  limit?: number;
}

/**
 * The person's last few exchanges from their other conversations, across all their linked accounts, newest
 * last. Read from the conversation log; only lines the person wrote (and Helix's reply directly after),
 * never another person's, and nothing from before they last said "forget everything".
 *
 * The newest `limit` lines outside this conversation lie in the person's `limit` most recently active other
 * conversations (table `account_conversations`), so only those are read, each from its own newest lines. A
 * walk back through all the person's lines until enough were elsewhere read all of a one-DM person's history
 * on every turn (3.9-6 ms at 10,000 lines on PGlite, measured).
 */
export async function recentContext(db: Kysely<Database>, personId: PersonId, opts: RecentContextOptions): Promise<ContextExchange[]> {
  const limit = opts.limit ?? 3;
  if (limit <= 0) return [];
  const accounts = await opts.accountsOf(personId);
  if (accounts.length === 0) return [];
  const mine = sql.join(accounts.map((a) => sql`(${a.platform}::text, ${a.accountId}::text)`));
  const ex = opts.exceptConversation;
  const elsewhere = ex ? sql`and not (a.platform = ${ex.platform} and a.conversation_id = ${ex.conversationId})` : sql``;
  // A literal, so the statement's cached generic plan is costed for it (a parameter LIMIT is costed as unknown).
  const n = sql.lit(Math.trunc(limit));
  const since = sql`coalesce((select s.forgot_all_at from memory_person_state s where s.person_id = ${personId}), to_timestamp(0))`;
  const { rows } = await sql<{ platform: string; conversation_id: string; at: Date | string; text: string; reply: string | null; reply_role: string | null }>`
    with convs as (
      select c.platform, c.account_id, c.conversation_id, c.last_at from (values ${mine}) m(platform, account)
      cross join lateral (
        select a.platform, a.account_id, a.conversation_id, a.last_at from account_conversations a
        where a.platform = m.platform and a.account_id = m.account and a.last_at > ${since} ${elsewhere}
        order by a.last_at desc limit ${n}) c
      order by c.last_at desc limit ${n}),
    lines as (
      select u.id, u.platform, u.conversation_id, u.at, u.text from convs c
      cross join lateral (
        select u.id, u.platform, u.conversation_id, u.at, u.text from conversation_log u
        where u.role = 'user' and u.platform = c.platform and u.author_account_id = c.account_id and u.conversation_id = c.conversation_id and u.at > ${since}
        order by u.at desc, u.id desc limit ${n}) u
      order by u.at desc, u.id desc limit ${n})
    select l.platform, l.conversation_id, l.at, l.text, r.text as reply, r.role as reply_role
    from lines l
    left join lateral (
      select n.text, n.role from conversation_log n
      where n.platform = l.platform and n.conversation_id = l.conversation_id and (n.at, n.id) > (l.at, l.id)
      order by n.at, n.id limit 1
    ) r on true
    order by l.at desc, l.id desc`.execute(db);
  return rows.reverse().map((r) => ({
    platform: r.platform,
    conversationId: r.conversation_id,
    at: r.at instanceof Date ? r.at : new Date(r.at),
    said: r.text,
    replied: r.reply_role === 'assistant' ? (r.reply ?? undefined) : undefined,
  }));
}
