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
 * A cache hit costs no query; a miss is one indexed read (plus the insert, once per new account).
 */
export class People {
  readonly #db: Kysely<Database>;
  readonly #cache: TtlCache<PersonId>;
  readonly #onCreated: ((person: PersonId) => void) | undefined;

  constructor(db: Kysely<Database>, opts: PeopleOptions = {}) {
    this.#db = db;
    this.#cache = new TtlCache(opts.cacheTtlMs ?? 60_000, opts.maxCached ?? 50_000);
    this.#onCreated = opts.onCreated;
  }

  /** The person behind an account, created on first sight. */
  async resolve(account: AccountRef & { displayName?: string | undefined }): Promise<PersonId> {
    const key = accountKey(account);
    const cached = this.#cache.get(key, Date.now());
    if (cached) return cached;
    const person = (await this.lookup(account)) ?? (await this.#create(account));
    this.#cache.set(key, person, Date.now());
    return person;
  }

  /** The person behind an account, read from the store (no cache); undefined for an account never seen. */
  async lookup(account: AccountRef): Promise<PersonId | undefined> {
    const row = await this.#db.selectFrom('platform_accounts').select('person_id').where('platform', '=', account.platform).where('account_id', '=', account.accountId).executeTakeFirst();
    return row?.person_id as PersonId | undefined;
  }

  /** Every account of a person, oldest first. */
  async accountsOf(person: PersonId): Promise<AccountRef[]> {
    const rows = await this.#db.selectFrom('platform_accounts').select(['platform', 'account_id']).where('person_id', '=', person).orderBy('created_at').orderBy('platform').execute();
    return rows.map((r) => ({ platform: r.platform, accountId: r.account_id }));
  }

  /** Forgets cached accounts of these people (after a merge or an unlink). */
  invalidate(...people: readonly PersonId[]): void {
    const set = new Set<string>(people);
    this.#cache.deleteWhere((p) => set.has(p));
  }

  async #create(account: AccountRef & { displayName?: string | undefined }): Promise<PersonId> {
    const id = randomUUID() as PersonId;
    // One statement (one round trip) on the common path: the person and its first account together.
    const { rows } = await sql<{ person_id: string }>`
      with p as (insert into people (id) values (${id}::uuid) returning id)
      insert into platform_accounts (platform, account_id, person_id, display_name)
      select ${account.platform}::text, ${account.accountId}::text, p.id, ${account.displayName ?? null}::text from p
      on conflict (platform, account_id) do nothing
      returning person_id`.execute(this.#db);
    if (rows.length === 0) {
      // Another brain created this account's person first: ours is not needed.
      const winner = await this.lookup(account);
      if (winner) {
        await this.#db.deleteFrom('people').where('id', '=', id).execute();
        return winner;
      }
      // Neither ours nor another's: only a store that answers nothing (the benchmark's stub) gets here.
    }
    this.#onCreated?.(id);
    return id;
  }
}
