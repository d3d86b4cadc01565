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
 */
export async function recentContext(db: Kysely<Database>, personId: PersonId, opts: RecentContextOptions): Promise<ContextExchange[]> {
  const limit = opts.limit ?? 3;
  if (limit <= 0) return [];
  const accounts = await opts.accountsOf(personId);
  if (accounts.length === 0) return [];
  const mine = sql.join(accounts.map((a) => sql`(${a.platform}, ${a.accountId})`));
  const except = opts.exceptConversation ? sql`and not (u.platform = ${opts.exceptConversation.platform} and u.conversation_id = ${opts.exceptConversation.conversationId})` : sql``;
  const { rows } = await sql<{ platform: string; conversation_id: string; at: Date | string; text: string; reply: string | null; reply_role: string | null }>`
    select u.platform, u.conversation_id, u.at, u.text, r.text as reply, r.role as reply_role
    from conversation_log u
    left join lateral (
      select n.text, n.role from conversation_log n
      where n.platform = u.platform and n.conversation_id = u.conversation_id and (n.at, n.id) > (u.at, u.id)
      order by n.at, n.id limit 1
    ) r on true
    where u.role = 'user' and (u.platform, u.author_account_id) in (${mine}) ${except}
      and u.at > coalesce((select s.forgot_all_at from memory_person_state s where s.person_id = ${personId}), to_timestamp(0))
    order by u.at desc, u.id desc limit ${limit}`.execute(db);
  return rows.reverse().map((r) => ({
    platform: r.platform,
    conversationId: r.conversation_id,
    at: r.at instanceof Date ? r.at : new Date(r.at),
    said: r.text,
    replied: r.reply_role === 'assistant' ? (r.reply ?? undefined) : undefined,
  }));
}
