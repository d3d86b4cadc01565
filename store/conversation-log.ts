import { sql, type Kysely, type QueryCreator, type SelectQueryBuilder } from 'kysely';
import type { Database } from './schema.ts';
import { CompiledShapes } from './compiled-shapes.ts';
import { WriteBatcher } from './write-batcher.ts';

/** One history entry, as the brain reads and writes it. */
export interface ConversationLogEntry {
  platform: string;
  conversationId: string;
  /** Platform event id (user) or reply id (assistant). */
  eventId: string;
  role: 'user' | 'assistant';
  authorAccountId?: string | undefined;
  authorName?: string | undefined;
  text: string;
  at: Date;
  traceId?: string | undefined;
}

/** What {@link ConversationLog.appendAndRecent} read with its write. */
export interface RecentRead {
  /** The conversation's newest entries before the write, oldest first. */
  entries: ConversationLogEntry[];
  /** Account ids (on the conversation's platform) of the entries' authors who have spoken in no other conversation. */
  authorsOnlyHere: string[];
  /**
   * Account ids (on the conversation's platform) of the entries' authors whose person holds no current memory (or who
   * have no person yet): a memory search for them would find nothing.
   */
  authorsWithoutMemories: string[];
}

/** The brain's per-conversation history. On every turn's hot path: one statement per call. */
export class ConversationLog {
  readonly #db: Kysely<Database>;
  /** Appends made while others are written go together: Helix's replies of turns answered at once, say. */
  readonly #appends: WriteBatcher<readonly ConversationLogEntry[]>;
  /** The hot statements, compiled once per shape (see {@link CompiledShapes}). */
  readonly #shapes = new CompiledShapes();

  constructor(db: Kysely<Database>) {
    this.#db = db;
    this.#appends = new WriteBatcher((calls) => this.#insert(calls.flat()));
  }

  /**
   * Adds entries (in one statement, with other appends made meanwhile); an entry whose event id is already
   * recorded is skipped, so retries are safe.
   */
  async append(entries: readonly ConversationLogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.#appends.write(entries);
  }

  async #insert(entries: readonly ConversationLogEntry[]): Promise<void> {
    const input = { rows: entries.map(toRow), spoke: spokeIn(entries) };
    await this.#db.executeQuery(this.#shapes.compile('append', input, ({ rows, spoke }) =>
      this.#recordingSpeakers(spoke)
        .insertInto('conversation_log')
        .values(rows)
        .onConflict((oc) => oc.columns(['platform', 'conversation_id', 'event_id']).doNothing()),
    ));
  }

  /** A query creator whose statement also records, in the same statement, where the entries' authors spoke. */
  #recordingSpeakers(spoke: readonly SpokeRow[]): QueryCreator<Database> {
    return spoke.length === 0 ? this.#db : this.#db.with('spoke', (db) => touch(db, spoke));
  }

  /**
   * {@link append}s entries of one conversation and reads its newest `limit` entries, oldest first, in one
   * statement. The read sees the conversation as it was before this statement: entries it adds are not among
   * those returned (entries an earlier attempt added are). The same statement says which of the entries'
   * authors have never spoken in another conversation (`authorsOnlyHere`, account ids on `platform`): for
   * them the brain need not look for exchanges elsewhere. It also says which authors' people hold no current
   * memory (`authorsWithoutMemories`): for them the brain need not search memories.
   */
  async appendAndRecent(platform: string, conversationId: string, entries: readonly ConversationLogEntry[], limit: number): Promise<RecentRead> {
    if (entries.some((e) => e.platform !== platform || e.conversationId !== conversationId)) throw new Error('appendAndRecent: every entry must belong to the conversation read');
    if (entries.length === 0) return { entries: await this.recent(platform, conversationId, limit), authorsOnlyHere: [], authorsWithoutMemories: [] };
    const authors = [...new Set(entries.flatMap((e) => (e.role === 'user' && e.authorAccountId ? [e.authorAccountId] : [])))];
    const input = { platform, conversationId, limit: Math.max(0, limit), rows: entries.map(toRow), spoke: spokeIn(entries), authors };
    const compiled = this.#shapes.compile('appendAndRecent', input, (i) =>
      this.#recordingSpeakers(i.spoke)
        .with('added', (db) =>
          db
            .insertInto('conversation_log')
            .values(i.rows)
            .onConflict((oc) => oc.columns(['platform', 'conversation_id', 'event_id']).doNothing()),
        )
        .with('newest', (db) => db.selectFrom('conversation_log').$call(newestOf(i.platform, i.conversationId, i.limit)))
        .selectFrom('newest')
        .select(asJson)
        // Read before this statement's own writes (one snapshot): an author first seen now has no row yet.
        .select(() => spokeElsewhere(i.platform, i.conversationId, i.authors).as('elsewhere'))
        .select(() => withMemories(i.platform, i.authors).as('remembered')),
    );
    const [row] = (await this.#db.executeQuery<{ entries: EntryTuple[]; elsewhere: string[]; remembered: string[] }>(compiled)).rows;
    const elsewhere = new Set(row?.elsewhere ?? []);
    const remembered = new Set(row?.remembered ?? []);
    return {
      entries: limit > 0 ? fromJson(row) : [],
      authorsOnlyHere: authors.filter((a) => !elsewhere.has(a)),
      authorsWithoutMemories: authors.filter((a) => !remembered.has(a)),
    };
  }

  /** The newest `limit` entries of a conversation, oldest first. */
  async recent(platform: string, conversationId: string, limit: number): Promise<ConversationLogEntry[]> {
    if (limit <= 0) return [];
    const [row] = await this.#db
      .with('newest', (db) => db.selectFrom('conversation_log').$call(newestOf(platform, conversationId, limit)))
      .selectFrom('newest')
      .select(asJson)
      .execute();
    return fromJson(row);
  }
}

/** An `account_conversations` row: when an account last spoke in a conversation. */
interface SpokeRow {
  platform: string;
  account_id: string;
  conversation_id: string;
  last_at: Date;
}

/** When each author of the entries last spoke in the conversation: one row per account (a statement may update a row once). */
function spokeIn(entries: readonly ConversationLogEntry[]): SpokeRow[] {
  const last = new Map<string, SpokeRow>();
  for (const e of entries) {
    if (e.role !== 'user' || !e.authorAccountId) continue;
    const key = JSON.stringify([e.platform, e.authorAccountId, e.conversationId]);
    const seen = last.get(key);
    if (!seen || e.at > seen.last_at) last.set(key, { platform: e.platform, account_id: e.authorAccountId, conversation_id: e.conversationId, last_at: e.at });
  }
  return [...last.values()];
}

/** Which of these accounts on `platform` have spoken in a conversation other than `conversationId` (a JSON array of ids). */
function spokeElsewhere(platform: string, conversationId: string, accounts: readonly string[]) {
  if (accounts.length === 0) return sql<string[]>`'[]'::json`;
  return sql<string[]>`(select coalesce(json_agg(m.account_id), '[]') from (values ${sql.join(accounts.map((a) => sql`(${a}::text)`))}) m(account_id)
    where exists (select 1 from account_conversations a where a.platform = ${platform} and a.account_id = m.account_id and a.conversation_id <> ${conversationId}))`;
}

/**
 * Which of these accounts on `platform` belong to a person holding a current memory (a JSON array of ids): one
 * index probe each (memories_person_current), where a memory search that finds nothing is a statement of its own.
 */
function withMemories(platform: string, accounts: readonly string[]) {
  if (accounts.length === 0) return sql<string[]>`'[]'::json`;
  return sql<string[]>`(select coalesce(json_agg(m.account_id), '[]') from (values ${sql.join(accounts.map((a) => sql`(${a}::text)`))}) m(account_id)
    where exists (select 1 from platform_accounts pa join memories mem on mem.person_id = pa.person_id::text
      where pa.platform = ${platform} and pa.account_id = m.account_id and mem.valid_to is null))`;
}

/** Records that these accounts spoke in these conversations (never moving a time back: retries may be late). */
function touch(db: QueryCreator<Database>, spoke: readonly SpokeRow[]) {
  return db
    .insertInto('account_conversations')
    .values(spoke)
    .onConflict((oc) => oc.columns(['platform', 'account_id', 'conversation_id']).doUpdateSet({ last_at: sql`greatest(account_conversations.last_at, excluded.last_at)` }));
}

/** The newest `limit` entries of one conversation, newest first, with the columns {@link fromRow} reads. */
function newestOf(platform: string, conversationId: string, limit: number) {
  return (qb: SelectQueryBuilder<Database, 'conversation_log', object>) =>
    qb
      .select(['id', 'platform', 'conversation_id', 'event_id', 'role', 'author_account_id', 'author_name', 'text', 'at', 'trace_id'])
      .where('platform', '=', platform)
      .where('conversation_id', '=', conversationId)
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit);
}

/**
 * The entries read, oldest first, as one JSON value: PGlite parses each field of a result on its own (~6 µs a
 * field), so 21 entries of 9 columns cost more to hand over than to find; one JSON value is one field.
 */
/** One entry as {@link asJson} returns it: the columns {@link fromRow} reads, in order, `at` as ISO text. */
type EntryTuple = [string, string, string, 'user' | 'assistant', string | null, string | null, string, string, string | null];

const asJson = sql<EntryTuple[]>`coalesce(json_agg(json_build_array(
  platform, conversation_id, event_id, role, author_account_id, author_name, text, at, trace_id) order by at, id), '[]')`.as('entries');

function fromJson(row: { entries: EntryTuple[] } | undefined): ConversationLogEntry[] {
  return (row?.entries ?? []).map(([platform, conversationId, eventId, role, authorAccountId, authorName, text, at, traceId]) =>
    fromRow({ platform, conversation_id: conversationId, event_id: eventId, role, author_account_id: authorAccountId, author_name: authorName, text, at, trace_id: traceId }));
}

function toRow(e: ConversationLogEntry) {
  return {
    platform: e.platform,
    conversation_id: e.conversationId,
    event_id: e.eventId,
    role: e.role,
    author_account_id: e.authorAccountId ?? null,
    author_name: e.authorName ?? null,
    text: e.text,
    at: e.at,
    trace_id: e.traceId ?? null,
  };
}

function fromRow(r: {
  platform: string; conversation_id: string; event_id: string; role: 'user' | 'assistant'; author_account_id: string | null;
  author_name: string | null; text: string; at: Date | string; trace_id: string | null;
}): ConversationLogEntry {
  return {
    platform: r.platform,
    conversationId: r.conversation_id,
    eventId: r.event_id,
    role: r.role,
    authorAccountId: r.author_account_id ?? undefined,
    authorName: r.author_name ?? undefined,
    text: r.text,
    at: r.at instanceof Date ? r.at : new Date(r.at),
    traceId: r.trace_id ?? undefined,
  };
}
