import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../store/index.ts';
import { LinkCodeInput, hashLinkCode, newLinkCode } from './link-code.ts';
import { accountKey, type AccountRef, type PersonId } from './person-id.ts';
import type { PersonMerger } from './person-merge.ts';

/** Why a link or an unlink was refused; each has a clear reply in the brain. */
export type LinkRefusal =
  | 'code_malformed'
  | 'code_unknown'
  | 'code_expired'
  | 'code_used'
  | 'same_account'
  | 'already_linked'
  | 'both_linked'
  | 'too_many_attempts';
export type UnlinkRefusal = 'platform_unknown' | 'not_linked' | 'no_account_there' | 'nothing_left';

export type LinkOutcome =
  | { ok: true; into: PersonId; from: PersonId; accounts: AccountRef[] }
  | { ok: false; reason: LinkRefusal };
export type UnlinkOutcome =
  | { ok: true; from: PersonId; moved: Array<{ account: AccountRef; person: PersonId }>; remaining: AccountRef[] }
  | { ok: false; reason: UnlinkRefusal };

export interface AccountLinkingOptions {
  /** Lifetime of a link code. @defaultValue `600000` (10 minutes) */
  codeTtlMs: number;
  /** Wrong codes one account may say per window before it must wait. @defaultValue `5` */
  maxFailures?: number;
  /** @defaultValue `600000` */
  failureWindowMs?: number;
  /** Platforms an unlink may name. */
  platforms: readonly string[];
  /** Called after a merge or an unlink commits, with every person whose cached state is now stale. */
  onChanged?: (people: PersonId[]) => void;
}

/**
 * Linking accounts by a verified step: a one-time code asked for on one account and said on another.
 * Everything that changes people runs in one transaction and is audited in `person_merges`.
 */
export class AccountLinking {
  readonly #db: Kysely<Database>;
  readonly #merger: PersonMerger;
  readonly #opts: Required<Omit<AccountLinkingOptions, 'onChanged'>> & Pick<AccountLinkingOptions, 'onChanged'>;
  readonly #failures = new Map<string, { count: number; since: number }>();

  constructor(db: Kysely<Database>, merger: PersonMerger, opts: AccountLinkingOptions) {
    if (!(opts.codeTtlMs > 0)) throw new Error('link codeTtlMs must be greater than 0');
    this.#db = db;
    this.#merger = merger;
    this.#opts = { maxFailures: 5, failureWindowMs: 600_000, ...opts };
  }

  /** A new code for `account` (of `person`); the account's earlier unused codes stop working. */
  async requestCode(person: PersonId, account: AccountRef, now: Date): Promise<{ code: string; expiresAt: Date }> {
    const code = newLinkCode();
    const expiresAt = new Date(now.getTime() + this.#opts.codeTtlMs);
    const canonical = code.replace('-', '');
    await this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('link_codes').where('platform', '=', account.platform).where('account_id', '=', account.accountId).where('used_at', 'is', null).execute();
      await trx.insertInto('link_codes').values({ code_hash: hashLinkCode(canonical), person_id: person, platform: account.platform, account_id: account.accountId, created_at: now, expires_at: expiresAt, used_at: null }).execute();
    });
    return { code, expiresAt };
  }

  /** `speaker` says `text` as a code: merges the code's person and the speaker's person, or says why not. */
  async link(speaker: AccountRef, text: string, now: Date): Promise<LinkOutcome> {
    const parsed = LinkCodeInput.safeParse(text);
    if (!parsed.success) return { ok: false, reason: 'code_malformed' };
    if (this.#throttled(speaker, now)) return { ok: false, reason: 'too_many_attempts' };
    const outcome = await this.#db.transaction().execute((trx) => this.#link(trx, speaker, hashLinkCode(parsed.data), now));
    if (!outcome.ok && (outcome.reason === 'code_unknown' || outcome.reason === 'code_expired' || outcome.reason === 'code_used')) this.#failed(speaker, now);
    if (outcome.ok) this.#opts.onChanged?.([outcome.into, outcome.from]);
    return outcome;
  }

  async #link(trx: Transaction<Database>, speaker: AccountRef, hash: string, now: Date): Promise<LinkOutcome> {
    const code = await trx.selectFrom('link_codes').selectAll().where('code_hash', '=', hash).forUpdate().executeTakeFirst();
    if (!code) return { ok: false, reason: 'code_unknown' };
    if (code.used_at !== null) return { ok: false, reason: 'code_used' };
    if (new Date(code.expires_at).getTime() <= now.getTime()) return { ok: false, reason: 'code_expired' };
    if (code.platform === speaker.platform && code.account_id === speaker.accountId) return { ok: false, reason: 'same_account' };
    const into = code.person_id as PersonId;
    const mine = await trx.selectFrom('platform_accounts').select('person_id').where('platform', '=', speaker.platform).where('account_id', '=', speaker.accountId).executeTakeFirst();
    if (!mine) throw new Error('the speaking account has no person yet (resolve it first)');
    const from = mine.person_id as PersonId;
    if (from === into) return { ok: false, reason: 'already_linked' };
    const counts = await trx.selectFrom('platform_accounts').select(['person_id', (eb) => eb.fn.countAll<string>().as('n')]).where('person_id', 'in', [into, from]).groupBy('person_id').execute();
    const n = (p: string) => Number(counts.find((c) => c.person_id === p)?.n ?? 0);
    if (n(into) > 1 && n(from) > 1) return { ok: false, reason: 'both_linked' };
    const used = await trx.updateTable('link_codes').set({ used_at: now }).where('code_hash', '=', hash).where('used_at', 'is', null).executeTakeFirst();
    if (Number(used.numUpdatedRows) !== 1) return { ok: false, reason: 'code_used' };
    const moved = await trx.selectFrom('platform_accounts').select(['platform', 'account_id']).where('person_id', '=', from).execute();
    await this.#merger.mergePeople(trx, into, from, now);
    await trx.insertInto('person_merges').values({
      kind: 'link', into_person: into, from_person: from, actor_platform: speaker.platform, actor_account_id: speaker.accountId,
      accounts: JSON.stringify(moved.map((m) => ({ platform: m.platform, accountId: m.account_id }))), at: now,
    }).execute();
    const all = await trx.selectFrom('platform_accounts').select(['platform', 'account_id']).where('person_id', '=', into).orderBy('created_at').orderBy('platform').execute();
    return { ok: true, into, from, accounts: all.map((r) => ({ platform: r.platform, accountId: r.account_id })) };
  }

  /**
   * `speaker` asks that their account(s) on `platform` leave their person: each becomes a new person of its own
   * (a stranger to Helix: what the person shared stays with the person).
   */
  async unlink(speaker: AccountRef, platform: string, now: Date): Promise<UnlinkOutcome> {
    const target = platform.trim().toLowerCase();
    if (!this.#opts.platforms.includes(target)) return { ok: false, reason: 'platform_unknown' };
    const outcome = await this.#db.transaction().execute(async (trx): Promise<UnlinkOutcome> => {
      const mine = await trx.selectFrom('platform_accounts').select('person_id').where('platform', '=', speaker.platform).where('account_id', '=', speaker.accountId).executeTakeFirst();
      if (!mine) return { ok: false, reason: 'not_linked' };
      const from = mine.person_id as PersonId;
      const accounts = await trx.selectFrom('platform_accounts').select(['platform', 'account_id']).where('person_id', '=', from).forUpdate().orderBy('created_at').execute();
      if (accounts.length < 2) return { ok: false, reason: 'not_linked' };
      const leaving = accounts.filter((a) => a.platform === target);
      if (leaving.length === 0) return { ok: false, reason: 'no_account_there' };
      if (leaving.length === accounts.length) return { ok: false, reason: 'nothing_left' };
      const moved: Array<{ account: AccountRef; person: PersonId }> = [];
      for (const a of leaving) {
        const person = randomUUID() as PersonId;
        await trx.insertInto('people').values({ id: person }).execute();
        await trx.updateTable('platform_accounts').set({ person_id: person }).where('platform', '=', a.platform).where('account_id', '=', a.account_id).execute();
        const account = { platform: a.platform, accountId: a.account_id };
        moved.push({ account, person });
        await trx.insertInto('person_merges').values({
          kind: 'unlink', into_person: person, from_person: from, actor_platform: speaker.platform, actor_account_id: speaker.accountId,
          accounts: JSON.stringify([account]), at: now,
        }).execute();
      }
      // Codes the leaving accounts asked for would otherwise still link to the person they just left.
      await trx.deleteFrom('link_codes').where('person_id', '=', from).where('platform', '=', target).where('used_at', 'is', null).execute();
      const remaining = accounts.filter((a) => a.platform !== target).map((a) => ({ platform: a.platform, accountId: a.account_id }));
      return { ok: true, from, moved, remaining };
    });
    if (outcome.ok) this.#opts.onChanged?.([outcome.from, ...outcome.moved.map((m) => m.person)]);
    return outcome;
  }

  #throttled(speaker: AccountRef, now: Date): boolean {
    const f = this.#failures.get(accountKey(speaker));
    if (!f) return false;
    if (now.getTime() - f.since > this.#opts.failureWindowMs) {
      this.#failures.delete(accountKey(speaker));
      return false;
    }
    return f.count >= this.#opts.maxFailures;
  }

  #failed(speaker: AccountRef, now: Date): void {
    const key = accountKey(speaker);
    const f = this.#failures.get(key);
    if (!f || now.getTime() - f.since > this.#opts.failureWindowMs) this.#failures.set(key, { count: 1, since: now.getTime() });
    else f.count += 1;
    if (this.#failures.size > 10_000) this.#failures.delete(this.#failures.keys().next().value!);
  }
}
