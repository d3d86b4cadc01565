// One person everywhere, end to end: the REAL brain process (`node brain/main.ts`) on PostgreSQL, a fake
// model, turns put on `inbound` as the web console and the Discord bot would. A code asked for on web and
// said on Discord links the two accounts; the same code again, an expired code and a code asked for in a
// public channel are refused; relationship state is one person's afterwards.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startFakeOpenAi, type FakeOpenAi } from '../fakes/llm/index.ts';
import { startBrainProcess, type BrainProcess } from '../helpers/brain-process.ts';
import { InboundProducer, OutboundCollector, dropPrefix, eventually, makeTurn, testPrefix } from '../helpers/mesh-harness.ts';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `t_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const prefix = testPrefix();
let model: FakeOpenAi;
let brain: BrainProcess;
let producer: InboundProducer;
let web: OutboundCollector;
let discord: OutboundCollector;
let db: pg.Client;

const WEB = { accountId: `web-${randomUUID().slice(0, 8)}`, displayName: 'Ada' };
const DISCORD = { accountId: '222222222222222222', displayName: 'ada_d' };
const webTurn = (text: string) => makeTurn({ platform: 'web', conversationId: WEB.accountId, author: WEB, text });
const discordDm = (text: string) => makeTurn({ platform: 'discord', conversation: { id: 'dm-ada', kind: 'dm' }, author: DISCORD, text });
const CODE = /`([A-Z0-9]{4}-[A-Z0-9]{4})`/;

beforeAll(async () => {
  db = new pg.Client({ connectionString: PG_URL });
  await db.connect();
  model = await startFakeOpenAi();
  brain = await startBrainProcess(prefix, model.url, { HELIX_STORE__DATABASE_URL: PG_URL, HELIX_STORE__SCHEMA: schema });
  producer = new InboundProducer(prefix);
  web = new OutboundCollector(prefix, 'web');
  discord = new OutboundCollector(prefix, 'discord');
}, 90_000);

afterAll(async () => {
  await brain?.stop();
  await Promise.allSettled([producer?.close(), web?.close(), discord?.close(), model?.close()]);
  await dropPrefix(prefix);
  await db?.query(`drop schema if exists "${schema}" cascade`);
  await db?.end();
});

/** Sends a turn and returns its final reply. */
async function say(collector: OutboundCollector, turn: ReturnType<typeof makeTurn>) {
  const before = collector.finals.length;
  await producer.send(turn);
  const finals = await collector.waitForFinals(before + 1, 30_000);
  const reply = finals.find((r) => r.inReplyTo === turn.eventId);
  if (!reply) throw new Error(`no reply to ${turn.text}`);
  return reply;
}

async function personOf(platform: string, accountId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ person_id: string }>(`select person_id from "${schema}".platform_accounts where platform = $1 and account_id = $2`, [platform, accountId]);
  return rows[0]?.person_id;
}

describe('linking accounts through the brain process (e2e)', () => {
  test('GIVEN a code asked for on web and said on Discord THEN one person; the code again, an expired one and a public request are refused; relationship state is shared', async () => {
    // Both accounts talk first: two people, each with a relationship of their own.
    for (const text of ['Thank you so much, you are wonderful!', 'I really appreciate your help :)']) await say(web, webTurn(text));
    await say(discord, discordDm('hey there, nice to meet you'));
    const webPerson = await personOf('web', WEB.accountId);
    const discordPerson = await personOf('discord', DISCORD.accountId);
    expect(webPerson).toBeDefined();
    expect(discordPerson).toBeDefined();
    expect(discordPerson).not.toBe(webPerson);
    await eventually(async () => (await db.query(`select 1 from "${schema}".relationship_state`)).rowCount === 2, 10_000, 'two relationships');

    // Asked in a public Discord channel in plain text: no code there.
    const modelCalls = model.requests.length;
    const publicAsk = await say(discord, makeTurn({ platform: 'discord', conversation: { id: 'general', kind: 'group' }, author: DISCORD, text: 'link' }));
    expect(publicAsk.parts.join('')).toMatch(/only give link codes privately/);
    expect(publicAsk.parts.join('')).not.toMatch(CODE);

    // Asked on web: the code comes back (the console is a private conversation) and is stored only hashed.
    const asked = await say(web, webTurn('link'));
    const code = CODE.exec(asked.parts.join(''))?.[1];
    expect(code).toBeDefined();
    const history = await db.query<{ text: string }>(`select text from "${schema}".conversation_log`);
    expect(history.rows.map((r) => r.text).join('\n')).not.toContain(code!);
    expect(JSON.stringify((await db.query(`select * from "${schema}".link_codes`)).rows)).not.toContain(code!.replace('-', ''));

    // Said on Discord: linked, without asking the model.
    const linked = await say(discord, discordDm(`link ${code!.toLowerCase()}`));
    expect(linked.parts.join('')).toMatch(/Linked!.*web and discord|Linked!.*discord and web/);
    expect(model.requests.length).toBe(modelCalls);
    expect(await personOf('discord', DISCORD.accountId)).toBe(webPerson);
    const audit = await db.query(`select kind, into_person, from_person, actor_platform from "${schema}".person_merges`);
    expect(audit.rows).toEqual([{ kind: 'link', into_person: webPerson, from_person: discordPerson, actor_platform: 'discord' }]);

    // The same code again (from a third account): refused, nothing merged.
    const other = { accountId: '333333333333333333', displayName: 'mallory' };
    const reused = await say(discord, makeTurn({ platform: 'discord', conversation: { id: 'dm-mallory', kind: 'dm' }, author: other, text: `link ${code}` }));
    expect(reused.parts.join('')).toMatch(/already used/);
    expect(await personOf('discord', other.accountId)).not.toBe(webPerson);

    // An expired code: refused. (The clock cannot be moved inside the brain process, so the code is made old.)
    const again = await say(web, webTurn('link'));
    const late = CODE.exec(again.parts.join(''))?.[1];
    await db.query(`update "${schema}".link_codes set expires_at = now() - interval '1 minute' where used_at is null`);
    const expired = await say(discord, makeTurn({ platform: 'discord', conversation: { id: 'dm-mallory', kind: 'dm' }, author: other, text: `link ${late}` }));
    expect(expired.parts.join('')).toMatch(/expired/);
    expect(await personOf('discord', other.accountId)).not.toBe(webPerson);
    expect((await db.query(`select 1 from "${schema}".person_merges`)).rowCount).toBe(1);

    // A malformed code through the slash command: a clear answer, privately.
    const malformed = await say(discord, makeTurn({ platform: 'discord', conversation: { id: 'general', kind: 'group' }, author: other, text: '/link !!', command: { name: 'link', args: { code: '!!' } } }));
    expect(malformed.private).toBe(true);
    expect(malformed.parts.join('')).toMatch(/doesn't look like a link code/);

    // Relationship state is one person's: the two combined, and Discord now talks to it.
    const rel = await db.query<{ person_id: string; turns: number }>(`select person_id, turns from "${schema}".relationship_state where person_id in ($1, $2)`, [webPerson, discordPerson]);
    expect(rel.rows).toEqual([{ person_id: webPerson, turns: 3 }]);
    await say(discord, discordDm('you are the best, thanks again!'));
    await eventually(async () => (await db.query<{ turns: number }>(`select turns from "${schema}".relationship_state where person_id = $1`, [webPerson])).rows[0]?.turns === 4, 10_000, 'the shared relationship to grow');
    const prompt = JSON.stringify(model.requests.at(-1)!.body.messages);
    expect(prompt).toContain('How you feel');
    expect(prompt).toMatch(/With this person: warm/);
  });
});
