import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/index.ts';
import { accountKey, type AccountRef, type PersonId } from './person-id.ts';
import { TtlCache } from './ttl-cache.ts';

export interface PeopleOptions {
  /** How long an account's person is kept in memory; a link made by another brain shows after this. @defaultValue `60000` */
  cacheTtlMs?: number;
  /** Most accounts cached. @defaultValue `50000` */
  maxCached?: number;
  /** Called when an unknown account made a new person. */
  onCreated?: (person: PersonId) => void;
}

/**
 * Who is speaking: platform account → person. The first message from an unknown account creates a person.
 * A cache hit costs no query; a miss is one statement (the read, or the read and the insert for a new account).
 */
export class People {
  readonly #db: Kysely<Database>;
  readonly #cache: TtlCache<PersonId>;
  /** Accounts of people this process just created (exactly the one account they were made for). */
  readonly #newAccounts: TtlCache<AccountRef[]>;
  readonly #onCreated: ((person: PersonId) => void) | undefined;

  constructor(db: Kysely<Database>, opts: PeopleOptions = {}) {
    this.#db = db;
    this.#cache = new TtlCache(opts.cacheTtlMs ?? 60_000, opts.maxCached ?? 50_000);
    this.#newAccounts = new TtlCache(opts.cacheTtlMs ?? 60_000, opts.maxCached ?? 50_000);
    this.#onCreated = opts.onCreated;
  }

  /** The person behind an account, created on first sight. A cache miss is one statement (read or create). */
  async resolve(account: AccountRef & { displayName?: string | undefined }): Promise<PersonId> {
    return (await this.resolveOrCreate(account)).person;
  }

  /** As {@link resolve}, and whether this call made the person (its first message: nothing is known of them yet). */
  async resolveOrCreate(account: AccountRef & { displayName?: string | undefined }): Promise<{ person: PersonId; created: boolean }> {
    const key = accountKey(account);
    const cached = this.#cache.get(key, Date.now());
    if (cached) return { person: cached, created: false };
    const found = await this.#findOrCreate(account);
    this.#cache.set(key, found.person, Date.now());
    return found;
  }

  /** The person behind an account, read from the store (no cache); undefined for an account never seen. */
  async lookup(account: AccountRef): Promise<PersonId | undefined> {
    const row = await this.#db.selectFrom('platform_accounts').select('person_id').where('platform', '=', account.platform).where('account_id', '=', account.accountId).executeTakeFirst();
    return row?.person_id as PersonId | undefined;
  }

  /**
   * Every account of a person, oldest first. A person this process created moments ago has the one account
   * it was made for: answered from memory until the cache lifetime ends or a link or unlink changes it.
   */
  async accountsOf(person: PersonId): Promise<AccountRef[]> {
    const fresh = this.#newAccounts.get(person, Date.now());
    if (fresh) return fresh.map((a) => ({ ...a }));
    const rows = await this.#db.selectFrom('platform_accounts').select(['platform', 'account_id']).where('person_id', '=', person).orderBy('created_at').orderBy('platform').execute();
    return rows.map((r) => ({ platform: r.platform, accountId: r.account_id }));
  }

  /** Forgets cached accounts of these people (after a merge or an unlink). */
  invalidate(...people: readonly PersonId[]): void {
    const set = new Set<string>(people);
    this.#cache.deleteWhere((p) => set.has(p));
    for (const p of people) this.#newAccounts.delete(p);
  }

  /**
   * One statement on both paths: the account's person if it exists, else a new person and its first account
   * together. Under a race (another brain inserting the same account at once) neither comes back: then the
   * winner is read and the person made here is removed.
   */
  async #findOrCreate(account: AccountRef & { displayName?: string | undefined }): Promise<{ person: PersonId; created: boolean }> {
    const id = randomUUID() as PersonId;
    const { rows } = await sql<{ existing: string | null; created: string | null }>`
      with existing as (
        select person_id from platform_accounts where platform = ${account.platform}::text and account_id = ${account.accountId}::text
      ),
      p as (insert into people (id) select ${id}::uuid where not exists (select 1 from existing) returning id),
      a as (
        insert into platform_accounts (platform, account_id, person_id, display_name)
        select ${account.platform}::text, ${account.accountId}::text, p.id, ${account.displayName ?? null}::text from p
        on conflict (platform, account_id) do nothing
        returning person_id
      )
      select (select person_id from existing)::text as existing, (select person_id from a)::text as created`.execute(this.#db);
    const row = rows[0];
    if (row?.existing) return { person: row.existing as PersonId, created: false };
    if (row && !row.created) {
      // Another brain created this account's person first: ours is not needed.
      const winner = await this.lookup(account);
      if (winner) {
        await this.#db.deleteFrom('people').where('id', '=', id).execute();
        return { person: winner, created: false };
      }
      // Neither ours nor another's: only a store that answers nothing (the benchmark's stub) gets here.
    }
    this.#newAccounts.set(id, [{ platform: account.platform, accountId: account.accountId }], Date.now());
    this.#onCreated?.(id);
    return { person: id, created: true };
  }
}
