// The X bot against the fake X API with the real twitter-api-v2 and real Redis: mention polling (cursor,
// restarts, pagination, malformed posts, rate limits), delivery (replies, threads, ledger, 429), DMs.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mentionsCursor } from '../../../bots/x/mention-poller.ts';
import { jobIdFor } from '../../../mesh/index.ts';
import { xWeightedLength } from '../../fakes/x/index.ts';
import { deadLettersOf, eventually } from '../../helpers/mesh-harness.ts';
import { sleep, startXMesh, type XMesh } from './harness.ts';

let mesh: XMesh;

beforeAll(async () => {
  mesh = await startXMesh({ dms: true });
  // A mention from before the bot ever ran: the backlog is not answered.
  mesh.fake.mention('old', '@helix from long ago');
  await mesh.ready();
}, 30_000);

afterAll(async () => {
  await mesh?.cleanup();
});

const turnsOf = async (eventIds: string[]) => (await mesh.inboundTurns()).filter((t) => eventIds.includes(t.eventId));

describe('mentions → inbound', () => {
  test('GIVEN a first start THEN the backlog is skipped; GIVEN a new mention THEN one turn, the author as conversation, the post as route; re-polls add none', async () => {
    expect(await mesh.inboundTurns()).toHaveLength(0);
    const m = mesh.fake.mention('alice', '@helix what do you think about tea?');
    await eventually(async () => (await turnsOf([m.id])).length === 1, 10_000, 'the turn');
    const [turn] = await turnsOf([m.id]);
    const alice = mesh.fake.addUser('alice');
    expect(turn).toMatchObject({
      platform: 'x',
      eventId: m.id,
      conversation: { id: `x-mentions-${alice.id}`, kind: 'group', route: { kind: 'mention', tweetId: m.id, authorId: alice.id, username: 'alice' } },
      author: { accountId: alice.id, displayName: 'alice', isBot: false },
      text: 'what do you think about tea?',
      mentions: [{ accountId: mesh.fake.me.id, isHelix: true }],
    });
    const job = await mesh.inbound.getJob(jobIdFor('x', m.id));
    expect(job?.data.eventId).toBe(m.id);
    await eventually(async () => (await mesh.cursors.get(mentionsCursor(mesh.fake.me.id))) === m.id, 10_000, 'the cursor to move');
    // Several polls later, still one turn; the polls asked since_id = the cursor.
    const polls = mesh.fake.requestsTo('GET /2/users/:id/mentions').length;
    await eventually(() => mesh.fake.requestsTo('GET /2/users/:id/mentions').length >= polls + 3, 10_000, 'more polls');
    expect(mesh.fake.requestsTo('GET /2/users/:id/mentions').at(-1)!.query.since_id).toBe(m.id);
    expect(await turnsOf([m.id])).toHaveLength(1);
  });

  test('GIVEN the bot stopped THEN mentions posted meanwhile are queued after restart, in order, and none is replayed', async () => {
    const before = mesh.fake.mention('bob', '@helix before the restart');
    await eventually(async () => (await turnsOf([before.id])).length === 1, 10_000, 'the first turn');
    await eventually(async () => (await mesh.cursors.get(mentionsCursor(mesh.fake.me.id))) === before.id, 10_000, 'the cursor');
    await mesh.stopBot();
    const total = (await mesh.inboundTurns()).length;
    const during = [mesh.fake.mention('bob', '@helix one'), mesh.fake.mention('carol', '@helix two'), mesh.fake.mention('bob', '@helix three')];
    await mesh.startBot();
    await eventually(async () => (await turnsOf(during.map((d) => d.id))).length === 3, 10_000, 'the mentions made while down');
    await eventually(async () => (await mesh.cursors.get(mentionsCursor(mesh.fake.me.id))) === during[2]!.id, 10_000, 'the cursor');
    const polls = mesh.fake.requestsTo('GET /2/users/:id/mentions').length;
    await eventually(() => mesh.fake.requestsTo('GET /2/users/:id/mentions').length >= polls + 2, 10_000, 'more polls');
    const all = await mesh.inboundTurns();
    expect(all).toHaveLength(total + 3);
    expect(all.filter((t) => t.eventId === before.id)).toHaveLength(1);
    // Oldest first: receivedAt follows the post order.
    expect((await turnsOf(during.map((d) => d.id))).map((t) => t.text)).toEqual(['one', 'two', 'three']);
  });

  test('GIVEN more new mentions than a page THEN every page is read (next_token) and all are queued once', async () => {
    const many = Array.from({ length: 120 }, (_, i) => mesh.fake.mention(`fan${i % 7}`, `@helix number ${i}`));
    await eventually(async () => (await turnsOf(many.map((m) => m.id))).length === 120, 20_000, 'all 120 turns');
    const pages = mesh.fake.requestsTo('GET /2/users/:id/mentions').filter((r) => r.query.pagination_token);
    expect(pages.length).toBeGreaterThanOrEqual(1);
    expect(pages.every((r) => r.query.max_results === '100')).toBe(true);
    await eventually(async () => (await mesh.cursors.get(mentionsCursor(mesh.fake.me.id))) === many.at(-1)!.id, 10_000, 'the cursor');
  });

  test('GIVEN a malformed mention object between good ones THEN it is dead-lettered with the reason, the others are queued, the bot keeps polling', async () => {
    const a = mesh.fake.mention('dave', '@helix first');
    const badId = mesh.fake.addRawMention({ id: 'not-a-number', text: 42 });
    const b = mesh.fake.mention('dave', '@helix second');
    await eventually(async () => (await turnsOf([a.id, b.id])).length === 2, 10_000, 'the good turns');
    const dl = await deadLettersOf(mesh.prefix);
    const entry = dl.find((d) => d.queue === 'x-mentions');
    expect(entry).toMatchObject({ code: 'payload_invalid', payload: { id: 'not-a-number', text: 42 } });
    expect(entry!.reason).toMatch(/malformed post from X/);
    expect(entry!.reason).toMatch(/text|id/);
    await eventually(async () => (await mesh.cursors.get(mentionsCursor(mesh.fake.me.id))) === b.id, 10_000, 'the cursor past the bad object');
    expect(BigInt(badId)).toBeLessThan(BigInt(b.id));
    const c = mesh.fake.mention('dave', '@helix third');
    await eventually(async () => (await turnsOf([c.id])).length === 1, 10_000, 'a later turn');
    expect((await deadLettersOf(mesh.prefix)).filter((d) => d.queue === 'x-mentions')).toHaveLength(1);
  });

  test('GIVEN a 429 with x-rate-limit-reset THEN the bot polls again only after the reset, and nothing is lost', async () => {
    mesh.fake.failNext('GET /2/users/:id/mentions', 429, { resetInSec: 2 });
    await eventually(() => mesh.fake.requestsTo('GET /2/users/:id/mentions').some((r) => r.status === 429), 10_000, 'the 429');
    const limited = mesh.fake.requestsTo('GET /2/users/:id/mentions').find((r) => r.status === 429)!;
    const m = mesh.fake.mention('erin', '@helix are you there?');
    await eventually(async () => (await turnsOf([m.id])).length === 1, 15_000, 'the turn after the reset');
    const after = mesh.fake.requestsTo('GET /2/users/:id/mentions').filter((r) => r.at > limited.at);
    // The next request came after the window reset (reset is whole seconds: at least ~1 s later), not at the 100 ms poll interval.
    expect(after[0]!.at - limited.at).toBeGreaterThanOrEqual(900);
    expect(after[0]!.status).toBe(200);
  });

  test('GIVEN a window running low THEN the poll interval stretches to spread the remaining requests until reset', async () => {
    mesh.fake.setRateLimit('GET /2/users/:id/mentions', { limit: 100, remaining: 3, resetInSec: 4 });
    const start = Date.now();
    await eventually(() => mesh.fake.requestsTo('GET /2/users/:id/mentions').some((r) => r.at >= start), 5_000, 'a poll reading the low window');
    const first = mesh.fake.requestsTo('GET /2/users/:id/mentions').find((r) => r.at >= start)!;
    await sleep(700);
    // 2 requests left over ~3-4 s: the next poll waits ~1.5-2 s, not the 100 ms minimum.
    expect(mesh.fake.requestsTo('GET /2/users/:id/mentions').filter((r) => r.at > first.at)).toHaveLength(0);
    const metrics = await (await fetch(`${mesh.bot.url}/metrics`)).text();
    const delay = Number(/helix_x_poll_delay_seconds\{source="mentions",role="x"\} ([\d.]+)/.exec(metrics)?.[1]);
    expect(delay).toBeGreaterThan(0.3);
    expect(delay).toBeLessThanOrEqual(2.1);
    await eventually(() => mesh.fake.requestsTo('GET /2/users/:id/mentions').some((r) => r.at > first.at), 10_000, 'the next poll');
    mesh.fake.setRateLimit('GET /2/users/:id/mentions', { limit: 10_000, remaining: 10_000, resetInSec: 900 });
  });
});

describe('outbound-x → posts', () => {
  test('GIVEN a reply THEN one post in reply to the mention; the same reply id again posts nothing', async () => {
    const m = mesh.fake.mention('frank', '@helix hello?');
    await eventually(async () => (await turnsOf([m.id])).length === 1, 10_000, 'the turn');
    const [turn] = await turnsOf([m.id]);
    const before = mesh.fake.posted.length;
    const reply = await mesh.reply(turn!, 'Hello Frank!');
    await eventually(() => mesh.fake.posted.length === before + 1, 10_000, 'the post');
    expect(mesh.fake.posted.at(-1)).toMatchObject({ text: 'Hello Frank!', in_reply_to_tweet_id: m.id, author_id: mesh.fake.me.id });
    await mesh.outbound.add('reply', reply, { jobId: `${reply.replyId}-again` });
    await sleep(800);
    expect(mesh.fake.posted.filter((p) => p.text === 'Hello Frank!')).toHaveLength(1);
  });

  test('GIVEN a long answer THEN a thread: every post at most 280 weighted characters, each replying to the previous, numbered', async () => {
    const m = mesh.fake.mention('grace', '@helix tell me everything');
    await eventually(async () => (await turnsOf([m.id])).length === 1, 10_000, 'the turn');
    const [turn] = await turnsOf([m.id]);
    const before = mesh.fake.posted.length;
    const long = Array.from({ length: 14 }, (_, i) => `Sentence number ${i + 1} is here, with some words to make it longer than it has to be.`).join(' ') + ' See https://example.com/a/very/long/path/that/is/longer/than/twenty/three/characters and 日本語のテキスト.';
    await mesh.reply(turn!, long);
    await eventually(() => mesh.fake.posted.length >= before + 5, 10_000, 'the thread');
    await sleep(300);
    const thread = mesh.fake.posted.slice(before);
    expect(thread.length).toBe(5);
    expect(thread[0]!.in_reply_to_tweet_id).toBe(m.id);
    for (let i = 1; i < thread.length; i++) expect(thread[i]!.in_reply_to_tweet_id).toBe(thread[i - 1]!.id);
    for (const [i, p] of thread.entries()) {
      expect(xWeightedLength(p.text)).toBeLessThanOrEqual(280);
      expect(p.text.endsWith(` (${i + 1}/${thread.length})`)).toBe(true);
    }
    expect(thread.map((p) => p.text.replace(/ \(\d\/\d\)$/, '')).join(' ')).toBe(long);
  });

  test('GIVEN X answers 429 to the second post of a thread THEN the job is retried after the reset and the thread continues without repeating the first', async () => {
    const m = mesh.fake.mention('heidi', '@helix long one please');
    await eventually(async () => (await turnsOf([m.id])).length === 1, 10_000, 'the turn');
    const [turn] = await turnsOf([m.id]);
    const before = mesh.fake.posted.length;
    const firstPosts = mesh.fake.requestsTo('POST /2/tweets').length;
    // The first post goes through, then the window is spent for ~1-2 s.
    const text = `${'word '.repeat(80).trim()}. ${'more '.repeat(40).trim()}.`;
    mesh.fake.setRateLimit('POST /2/tweets', { limit: 100, remaining: 1, resetInSec: 2 });
    await mesh.reply(turn!, text);
    await eventually(() => mesh.fake.requestsTo('POST /2/tweets').slice(firstPosts).some((r) => r.status === 429), 10_000, 'the 429');
    const last = () => mesh.fake.posted.slice(before).find((p) => / \((\d)\/\1\)$/.test(p.text));
    await eventually(() => last() !== undefined, 15_000, 'the rest of the thread');
    const n = Number(/\((\d)\/\d\)$/.exec(last()!.text)![1]);
    expect(n).toBeGreaterThanOrEqual(2);
    await sleep(500);
    const thread = mesh.fake.posted.slice(before);
    expect(thread.map((p) => /\((\d)\/\d\)$/.exec(p.text)![1])).toEqual(Array.from({ length: n }, (_, i) => String(i + 1)));
    expect(thread[0]!.in_reply_to_tweet_id).toBe(m.id);
    for (let i = 1; i < n; i++) expect(thread[i]!.in_reply_to_tweet_id).toBe(thread[i - 1]!.id);
  });

  test('GIVEN a reply without an X route, or a private reply to a public mention THEN it is dead-lettered with the reason and nothing posted', async () => {
    const m = mesh.fake.mention('ivan', '@helix secret?');
    await eventually(async () => (await turnsOf([m.id])).length === 1, 10_000, 'the turn');
    const [turn] = await turnsOf([m.id]);
    const before = mesh.fake.posted.length;
    const a = await mesh.reply(turn!, 'nowhere', { conversation: { id: 'x-elsewhere', kind: 'group', route: {} } });
    const b = await mesh.reply(turn!, 'only for you', { private: true });
    await eventually(async () => {
      const dl = await deadLettersOf(mesh.prefix);
      return dl.some((d) => d.jobId === a.replyId) && dl.some((d) => d.jobId === b.replyId);
    }, 10_000, 'the dead letters');
    const dl = await deadLettersOf(mesh.prefix);
    expect(dl.find((d) => d.jobId === a.replyId)).toMatchObject({ code: 'platform_rejected', reason: expect.stringMatching(/no X route kind/) });
    expect(dl.find((d) => d.jobId === b.replyId)).toMatchObject({ code: 'platform_rejected', reason: expect.stringMatching(/private/) });
    expect(mesh.fake.posted.length).toBe(before);
  });
});

describe('DMs', () => {
  test('GIVEN a DM THEN one dm turn; the reply goes back as a DM to the sender; Helix\'s own DM makes no turn', async () => {
    const ev = mesh.fake.dm('judy', 'can we talk privately?');
    await eventually(async () => (await turnsOf([`dm-${ev.id}`])).length === 1, 10_000, 'the DM turn');
    const [turn] = await turnsOf([`dm-${ev.id}`]);
    expect(turn).toMatchObject({ conversation: { id: `x-dm-${ev.dm_conversation_id}`, kind: 'dm', route: { kind: 'dm', authorId: ev.sender_id } }, author: { accountId: ev.sender_id }, text: 'can we talk privately?' });
    await mesh.reply(turn!, 'Of course, Judy.');
    await eventually(() => mesh.fake.dmsSent.some((d) => d.text === 'Of course, Judy.'), 10_000, 'the DM reply');
    expect(mesh.fake.dmsSent.find((d) => d.text === 'Of course, Judy.')).toMatchObject({ participantId: ev.sender_id });
    const count = (await mesh.inboundTurns()).length;
    const polls = mesh.fake.requestsTo('GET /2/dm_events').length;
    await eventually(() => mesh.fake.requestsTo('GET /2/dm_events').length >= polls + 3, 10_000, 'more DM polls');
    expect((await mesh.inboundTurns()).length).toBe(count);
  });
});

describe('health', () => {
  test('GIVEN the bot THEN /healthz is ok (redis, x) and /metrics counts queued mentions and posts', async () => {
    const h = await fetch(`${mesh.bot.url}/healthz`);
    expect(h.status).toBe(200);
    expect(await h.json()).toMatchObject({ status: 'ok', checks: { redis: { ok: true }, x: { ok: true } } });
    const metrics = await (await fetch(`${mesh.bot.url}/metrics`)).text();
    expect(metrics).toMatch(/helix_x_events_total\{source="mentions",outcome="queued",role="x"\} \d+/);
    expect(metrics).toMatch(/helix_x_posts_total\{kind="post",role="x"\} \d+/);
  });
});
