import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { openIdentity, type Identity, type PersonId } from '../../../identity/index.ts';
import { openStore, type OpenStoreOptions, type Store } from '../../../store/index.ts';

// Creating a PGlite database takes seconds (much more on a busy machine); every test opens a fresh one.
vi.setConfig({ testTimeout: 120_000 });

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schemas: string[] = [];
afterAll(async () => {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  for (const s of schemas) await client.query(`drop schema if exists "${s}" cascade`);
  await client.end();
});

const backends: Array<[string, () => OpenStoreOptions]> = [
  ['PGlite in memory', () => ({ dataDir: 'memory://' })],
  ['PostgreSQL', () => {
    const schema = `t_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    schemas.push(schema);
    return { databaseUrl: PG_URL, dataDir: 'unused', schema };
  }],
];

const MIN = 60_000;
const DAY = 86_400_000;
const t0 = new Date('2026-03-01T12:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const web = { platform: 'web', accountId: 'web-ada' };
const discord = { platform: 'discord', accountId: '111111111111111111' };
const slack = { platform: 'slack', accountId: 'U0ADA' };
const github = { platform: 'github', accountId: 'ada' };

async function identityOn(store: Store): Promise<Identity> {
  return openIdentity(store.db, {
    linkCodeTtlMs: 10 * MIN, moodHalfLifeMs: 180 * MIN, relationshipHalfLifeMs: 21 * DAY,
    temperament: { pleasure: 0.3, arousal: 0, dominance: 0.2 }, platforms: ['web', 'discord', 'slack', 'github', 'x', 'gchat'], now: t0,
  });
}

/** `a` asks for a code, `b` says it. */
async function link(id: Identity, a: typeof web, b: typeof web, now = t0) {
  const pa = await id.people.resolve(a);
  await id.people.resolve(b);
  const { code } = await id.linking.requestCode(pa, a, now);
  return id.linking.link(b, code, now);
}

describe.each(backends)('identity on %s', (_name, options) => {
  test('GIVEN an unknown account THEN its first message creates a person; the same account again is the same person, another account another person', async () => {
    await using store = await openStore(options());
    const id = await identityOn(store);
    const a = await id.people.resolve({ ...web, displayName: 'Ada' });
    expect(await id.people.resolve(web)).toBe(a);
    expect(await id.people.resolve(discord)).not.toBe(a);
    expect(await id.people.accountsOf(a)).toEqual([web]);
    const { count } = await store.db.selectFrom('people').select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow();
    expect(Number(count)).toBe(2);
  });

  test('GIVEN two new people linked in this process THEN accountsOf the surviving person lists both accounts, not the one it was created with', async () => {
    await using store = await openStore(options());
    const id = await identityOn(store);
    const pWeb = await id.people.resolve(web);
    expect(await id.people.accountsOf(pWeb)).toEqual([web]);
    expect(await link(id, web, discord)).toMatchObject({ ok: true, into: pWeb });
    expect((await id.people.accountsOf(pWeb)).map((a) => a.platform).sort()).toEqual(['discord', 'web']);
  });

  test('GIVEN an account already stored by another process THEN resolve finds its person and creates nobody', async () => {
    await using store = await openStore(options());
    const other = await identityOn(store);
    const person = await other.people.resolve({ ...web, displayName: 'Ada' });
    const id = await identityOn(store);
    expect(await id.people.resolve({ ...web, displayName: 'Ada again' })).toBe(person);
    expect(await id.people.accountsOf(person)).toEqual([web]);
    expect(await store.db.selectFrom('people').select('id').execute()).toEqual([{ id: person }]);
    expect(await store.db.selectFrom('platform_accounts').select(['person_id', 'display_name']).execute()).toEqual([{ person_id: person, display_name: 'Ada' }]);
  });

  test('GIVEN a code asked for on web and said on discord THEN the two become one person, the relationship combines, rows re-point and the link is audited', async () => {
    await using store = await openStore(options());
    const id = await identityOn(store);
    // A person-owned table added later (like memories) joins merges by registering.
    await sql`create table notes (id serial primary key, person_id uuid not null, body text)`.execute(store.db);
    id.merger.register({ table: 'notes', merge: (trx, into, from) => sql`update notes set person_id = ${into} where person_id = ${from}`.execute(trx).then(() => undefined) });
    const pWeb = await id.people.resolve(web);
    const pDiscord = await id.people.resolve(discord);
    await sql`insert into notes (person_id, body) values (${pWeb}, 'web note'), (${pDiscord}, 'discord note')`.execute(store.db);
    await id.relationships.save(pWeb, { warmth: 0.6, trust: 0.3, familiarity: 0.5, turns: 3, updatedAt: t0 });
    await id.relationships.save(pDiscord, { warmth: 0.2, trust: 0.1, familiarity: 0.5, turns: 1, updatedAt: t0 });

    const { code, expiresAt } = await id.linking.requestCode(pWeb, web, t0);
    expect(expiresAt).toEqual(at(10 * MIN));
    const stored = await store.db.selectFrom('link_codes').selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(code.replace('-', ''));
    const result = await id.linking.link(discord, code.toLowerCase(), at(MIN));
    expect(result).toMatchObject({ ok: true, into: pWeb, from: pDiscord });
    expect(result.ok && result.accounts.map((a) => a.platform).sort()).toEqual(['discord', 'web']);

    expect(await id.people.resolve(discord)).toBe(pWeb);
    expect(await id.people.lookup(discord)).toBe(pWeb);
    const notes = await sql<{ person_id: string }>`select person_id from notes`.execute(store.db);
    expect(notes.rows.map((r) => r.person_id)).toEqual([pWeb, pWeb]);
    const rel = await id.relationships.get(pWeb, at(MIN));
    expect(rel.turns).toBe(4);
    expect(rel.warmth).toBeGreaterThan(0.4);
    expect(rel.familiarity).toBeGreaterThan(0.7);
    expect(await store.db.selectFrom('relationship_state').select('person_id').execute()).toEqual([{ person_id: pWeb }]);
    expect(await store.db.selectFrom('people').select('id').where('id', '=', pDiscord).execute()).toEqual([]);
    const audit = await store.db.selectFrom('person_merges').selectAll().execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ kind: 'link', into_person: pWeb, from_person: pDiscord, actor_platform: 'discord', actor_account_id: discord.accountId, accounts: [discord] });
    expect(new Date(audit[0]!.at as Date)).toEqual(at(MIN));
  });

  test('GIVEN the same code said again, an expired code, a made-up code or a malformed one THEN each is refused and nothing is merged', async () => {
    await using store = await openStore(options());
    const id = await identityOn(store);
    const pWeb = await id.people.resolve(web);
    const pSlack = await id.people.resolve(slack);
    const { code } = await id.linking.requestCode(pWeb, web, t0);
    await id.people.resolve(discord);
    expect(await id.linking.link(discord, code, t0)).toMatchObject({ ok: true });
    expect(await id.linking.link(slack, code, t0)).toEqual({ ok: false, reason: 'code_used' });

    const pWeb2 = await id.people.resolve(web);
    const late = await id.linking.requestCode(pWeb2, web, t0);
    expect(await id.linking.link(slack, late.code, at(10 * MIN))).toEqual({ ok: false, reason: 'code_expired' });
    expect(await id.linking.link(slack, 'ABCD-EFGH', t0)).toEqual({ ok: false, reason: 'code_unknown' });
    expect(await id.linking.link(slack, 'drop table people;', t0)).toEqual({ ok: false, reason: 'code_malformed' });
    expect(await id.people.lookup(slack)).toBe(pSlack);
    expect(await store.db.selectFrom('person_merges').select('kind').execute()).toHaveLength(1);
  });

  test('GIVEN a code said by the account that asked, or by an account already on that person THEN it is refused', async () => {
    await using store = await openStore(options());
    const id = await identityOn(store);
    expect(await link(id, web, discord)).toMatchObject({ ok: true });
    const p = await id.people.resolve(web);
    const { code } = await id.linking.requestCode(p, web, t0);
    expect(await id.linking.link(web, code, t0)).toEqual({ ok: false, reason: 'same_account' });
    expect(await id.linking.link(discord, code, t0)).toEqual({ ok: false, reason: 'already_linked' });
    // Neither refusal used the code up: the other account can still say it.
    await id.people.resolve(slack);
    expect(await id.linking.link(slack, code, t0)).toMatchObject({ ok: true });
  });

  test('GIVEN two people who both already have links elsewhere THEN linking them is refused until one side unlinks', async () => {
    await using store = await openStore(options());
    const id = await identityOn(store);
    expect(await link(id, web, discord)).toMatchObject({ ok: true });
    expect(await link(id, slack, github)).toMatchObject({ ok: true });
    const left = await id.people.resolve(web);
    const right = await id.people.resolve(slack);
    const { code } = await id.linking.requestCode(left, web, t0);
    expect(await id.linking.link(slack, code, t0)).toEqual({ ok: false, reason: 'both_linked' });
    expect(await id.people.lookup(slack)).toBe(right);
    expect((await id.linking.unlink(slack, 'github', t0)).ok).toBe(true);
    expect(await id.linking.link(slack, code, t0)).toMatchObject({ ok: true, into: left });
    expect((await id.people.accountsOf(left)).map((a) => a.platform).sort()).toEqual(['discord', 'slack', 'web']);
  });

  test('GIVEN an account unlinks THEN it becomes a new person (a stranger), the rest stay together, and the unlink is audited; bad requests are refused', async () => {
    await using store = await openStore(options());
    const id = await identityOn(store);
    expect(await link(id, web, discord)).toMatchObject({ ok: true });
    const p = await id.people.resolve(web);
    await id.relationships.save(p, { warmth: 0.7, trust: 0.5, familiarity: 0.8, turns: 20, updatedAt: t0 });
    expect(await id.linking.unlink(discord, 'mastodon', t0)).toEqual({ ok: false, reason: 'platform_unknown' });
    expect(await id.linking.unlink(discord, 'slack', t0)).toEqual({ ok: false, reason: 'no_account_there' });
    const result = await id.linking.unlink(web, 'discord', at(MIN));
    expect(result).toMatchObject({ ok: true, from: p, remaining: [web] });
    const newcomer = await id.people.resolve(discord);
    expect(newcomer).not.toBe(p);
    expect(await id.people.resolve(web)).toBe(p);
    expect((await id.relationships.get(newcomer, at(MIN))).warmth).toBe(0);
    expect((await id.relationships.get(p, at(MIN))).warmth).toBeCloseTo(0.7, 3);
    expect(await id.linking.unlink(web, 'discord', at(MIN))).toEqual({ ok: false, reason: 'not_linked' });
    const audit = await store.db.selectFrom('person_merges').select(['kind', 'into_person', 'from_person', 'actor_platform']).orderBy('id').execute();
    expect(audit.map((a) => a.kind)).toEqual(['link', 'unlink']);
    expect(audit[1]).toMatchObject({ into_person: newcomer, from_person: p, actor_platform: 'web' });
  });

  test('GIVEN five wrong codes from one account THEN a sixth attempt is refused even with a right code, until the window passes', async () => {
    await using store = await openStore(options());
    const id = await identityOn(store);
    const p = await id.people.resolve(web);
    await id.people.resolve(discord);
    const { code } = await id.linking.requestCode(p, web, t0);
    for (let i = 0; i < 5; i++) expect(await id.linking.link(discord, `ZZZZ-ZZZ${i + 2}`, t0)).toEqual({ ok: false, reason: 'code_unknown' });
    expect(await id.linking.link(discord, code, t0)).toEqual({ ok: false, reason: 'too_many_attempts' });
    expect(await id.linking.link(discord, code, at(9 * MIN + 59_000))).toEqual({ ok: false, reason: 'too_many_attempts' });
    const fresh = await id.linking.requestCode(p, web, at(11 * MIN));
    expect(await id.linking.link(discord, fresh.code, at(11 * MIN))).toMatchObject({ ok: true });
  });

  test('GIVEN relationships saved at once THEN each person keeps their own, a person saved twice keeps the later state, and a person gone fails alone', async () => {
    await using store = await openStore(options());
    const id = await identityOn(store);
    const people = await Promise.all(Array.from({ length: 12 }, (_, i) => id.people.resolve({ platform: 'web', accountId: `web-${i}` })));
    const state = (warmth: number) => ({ warmth, trust: 0.1, familiarity: 0.2, turns: 1, updatedAt: t0 });
    const gone = randomUUID() as PersonId;
    const saves = await Promise.allSettled([
      ...people.map((p, i) => id.relationships.save(p, state(i / 20))),
      id.relationships.save(people[3]!, state(0.9)),
      id.relationships.save(gone, state(0.5)),
    ]);
    expect(saves.slice(0, 13).every((s) => s.status === 'fulfilled')).toBe(true);
    expect(saves[13]).toMatchObject({ status: 'rejected', reason: { code: '23503' } });
    const { rows } = await sql<{ person_id: string; warmth: number }>`select person_id, warmth from relationship_state`.execute(store.db);
    const stored = new Map(rows.map((r) => [r.person_id, Number(r.warmth)]));
    expect(stored.size).toBe(12);
    people.forEach((p, i) => expect(stored.get(p)).toBeCloseTo(i === 3 ? 0.9 : i / 20, 6));
    expect(stored.has(gone)).toBe(false);
  });

  test('GIVEN relationship and mood written THEN they persist across a reopen and decay with the (injected) clock', async () => {
    const opts = options();
    if (opts.dataDir.startsWith('memory://')) return; // in-memory PGlite does not survive a reopen; PostgreSQL covers it
    let person: PersonId;
    {
      await using store = await openStore(opts);
      const id = await identityOn(store);
      person = await id.people.resolve(web);
      await id.relationships.save(person, { warmth: 0.8, trust: 0.4, familiarity: 0.6, turns: 5, updatedAt: t0 });
      await id.mood.feel([{ valence: -0.9, arousal: 0.9 }, { valence: -0.9, arousal: 0.9 }], t0);
      await id.mood.flush(t0);
    }
    await using store = await openStore(opts);
    const id = await identityOn(store);
    const mood = id.mood.current(t0);
    expect(mood.pleasure).toBeLessThan(0.1);
    expect(mood.dominance).toBeLessThan(0.1);
    expect(id.mood.current(at(30 * 60 * MIN)).pleasure).toBeCloseTo(0.3, 2);
    expect((await id.relationships.get(person, at(21 * DAY))).warmth).toBeCloseTo(0.4, 4);
  });
});
