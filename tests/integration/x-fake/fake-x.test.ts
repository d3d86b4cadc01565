// The fake X API through the real twitter-api-v2 client (plugin + http.Agent, as the bot connects):
// OAuth 1.0a is verified for real, the mentions timeline pages like X's, posts are limited to 280.
import { Agent } from 'node:http';
import { ApiResponseError, TwitterApi } from 'twitter-api-v2';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { baseString, hmacSha1Signature, startFakeX, xWeightedLength, type FakeX } from '../../fakes/x/index.ts';

const CREDS = { appKey: 'app-key', appSecret: 'app-secret', accessToken: '1700000000000000001-token', accessSecret: 'access-secret' };
let fake: FakeX;
const agents: Agent[] = [];

function client(creds = CREDS): TwitterApi {
  const agent = new Agent();
  agents.push(agent);
  return new TwitterApi(creds, {
    httpAgent: agent,
    plugins: [{ onBeforeRequestConfig({ params }) { params.url = params.url.replace(/^https:\/\/api\.x\.com/, fake.baseUrl); } }],
  });
}

beforeAll(async () => {
  fake = await startFakeX(CREDS);
});
afterAll(async () => {
  for (const a of agents) a.destroy();
  await fake?.close();
});

const err = async (p: Promise<unknown>) => p.then(() => { throw new Error('expected a rejection'); }, (e: unknown) => e as ApiResponseError);

describe('fake X: OAuth 1.0a', () => {
  test('GIVEN the RFC 5849 example THEN the fake computes its published signature', () => {
    // RFC 5849 section 1.2 (photos.example.net), HMAC-SHA1 with kd94hf93k423kf44&pfkkdhi9sl3r4s00.
    const input = {
      method: 'GET', baseUri: 'http://photos.example.net/photos',
      params: [['file', 'vacation.jpg'], ['size', 'original']] as Array<[string, string]>,
      oauth: { oauth_consumer_key: 'dpf43f3p2l4k3l03', oauth_token: 'nnch734d00sl2jdk', oauth_signature_method: 'HMAC-SHA1', oauth_timestamp: '1191242096', oauth_nonce: 'kllo9940pd9333jh', oauth_version: '1.0' },
      consumerSecret: 'kd94hf93k423kf44', tokenSecret: 'pfkkdhi9sl3r4s00',
    };
    expect(baseString(input)).toBe('GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3Dkllo9940pd9333jh%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1191242096%26oauth_token%3Dnnch734d00sl2jdk%26oauth_version%3D1.0%26size%3Doriginal');
    expect(hmacSha1Signature(input)).toBe('tR3+Ty81lMeYAr/Fid0kMTYa/WM=');
  });

  test('GIVEN the right keys THEN GET /2/users/me answers the account; a wrong consumer or token secret, or another key, gets 401', async () => {
    const me = await client().v2.me();
    expect(me.data).toMatchObject({ id: fake.me.id, username: 'helix' });
    for (const bad of [{ ...CREDS, appSecret: 'nope' }, { ...CREDS, accessSecret: 'nope' }, { ...CREDS, appKey: 'other' }]) {
      const e = await err(client(bad).v2.me());
      expect(e).toBeInstanceOf(ApiResponseError);
      expect(e.code).toBe(401);
    }
    expect(fake.requestsTo('GET /2/users/me').map((r) => r.status)).toEqual([200, 401, 401, 401]);
  });
});

describe('fake X: mentions timeline', () => {
  test('GIVEN 12 mentions THEN pages of max_results newest first with next_token, since_id honoured, result_count 0 past the newest', async () => {
    const c = client();
    const ids = Array.from({ length: 12 }, (_, i) => fake.mention(`user${i % 3}`, `@helix question ${i}`).id);
    fake.mention('someone', 'no mention here');
    const q = { max_results: 5, expansions: 'author_id', 'tweet.fields': 'author_id,created_at', 'user.fields': 'username' } as const;
    const p1 = await c.v2.get('users/:id/mentions', q, { params: { id: fake.me.id }, fullResponse: true });
    expect(p1.data.data.map((t: { id: string }) => t.id)).toEqual(ids.slice(-5).reverse());
    expect(p1.data.data[0]).toMatchObject({ text: '@helix question 11', author_id: expect.any(String), created_at: expect.any(String) });
    expect(p1.data.includes.users.map((u: { username: string }) => u.username).sort()).toEqual(['user0', 'user1', 'user2']);
    expect(p1.data.meta).toMatchObject({ result_count: 5, newest_id: ids[11], oldest_id: ids[7], next_token: expect.any(String) });
    expect(p1.rateLimit).toMatchObject({ limit: 10_000, remaining: 9_999 });
    const p2 = await c.v2.get('users/:id/mentions', { ...q, pagination_token: p1.data.meta.next_token }, { params: { id: fake.me.id } });
    expect(p2.data.map((t: { id: string }) => t.id)).toEqual(ids.slice(2, 7).reverse());
    const since = await c.v2.userMentionTimeline(fake.me.id, { since_id: ids[9]!, max_results: 5 });
    expect(since.tweets.map((t) => t.id)).toEqual([ids[11], ids[10]]);
    expect(since.meta.next_token).toBeUndefined();
    // Without tweet.fields the post carries only id, text and edit history, as on X.
    expect(Object.keys(since.tweets[0]!).sort()).toEqual(['edit_history_tweet_ids', 'id', 'text']);
    const none = await c.v2.get('users/:id/mentions', { since_id: ids[11]! }, { params: { id: fake.me.id } });
    expect(none).toEqual({ meta: { result_count: 0 } });
  });

  test('GIVEN max_results outside 5..100 or a bad token THEN 400 invalid request', async () => {
    const c = client();
    for (const query of [{ max_results: 4 }, { max_results: 101 }, { pagination_token: 'garbage!' }, { since_id: 'abc' }]) {
      const e = await err(c.v2.get('users/:id/mentions', query, { params: { id: fake.me.id } }));
      expect(e.code, JSON.stringify(query)).toBe(400);
      expect(e.data).toMatchObject({ title: 'Invalid Request' });
    }
  });

  test('GIVEN failNext 429 THEN the SDK rejects with x-rate-limit-* (remaining 0, reset ahead) and the window recovers at reset', async () => {
    const c = client();
    fake.failNext('GET /2/users/:id/mentions', 429, { resetInSec: 1 });
    const e = await err(c.v2.userMentionTimeline(fake.me.id));
    expect(e.code).toBe(429);
    expect(e.rateLimit).toMatchObject({ limit: 10_000, remaining: 0 });
    expect(e.rateLimit!.reset).toBeGreaterThan(Date.now() / 1000);
    // Still spent until the reset.
    expect((await err(c.v2.userMentionTimeline(fake.me.id))).code).toBe(429);
    await new Promise((r) => setTimeout(r, (e.rateLimit!.reset * 1000 - Date.now()) + 100));
    const ok = await c.v2.userMentionTimeline(fake.me.id);
    expect(ok.rateLimit.remaining).toBe(9_999);
  });
});

describe('fake X: posting', () => {
  test('GIVEN v2.reply THEN 201 {data:{id,text}} in reply to the mention, recorded; a reply to an unknown post is 403', async () => {
    const c = client();
    const m = fake.mention('alice', '@helix hi');
    const res = await c.v2.reply('hello alice', m.id);
    expect(res.data).toMatchObject({ id: expect.stringMatching(/^\d+$/), text: 'hello alice' });
    expect(fake.posted.at(-1)).toMatchObject({ id: res.data.id, text: 'hello alice', in_reply_to_tweet_id: m.id, conversation_id: m.conversation_id });
    const e = await err(c.v2.reply('to nothing', '1234'));
    expect(e.code).toBe(403);
  });

  test('GIVEN text over 280 weighted characters THEN 403 and nothing posted; exactly 280 (URLs 23, CJK 2) is accepted', async () => {
    const c = client();
    const before = fake.posted.length;
    expect((await err(c.v2.tweet('a'.repeat(281)))).code).toBe(403);
    expect((await err(c.v2.tweet('字'.repeat(141)))).code).toBe(403);
    expect(fake.posted).toHaveLength(before);
    const url = `https://example.com/${'x'.repeat(100)}`;
    const fits = `${'b'.repeat(280 - 23 - 1)} ${url}`;
    expect(xWeightedLength(fits)).toBe(280);
    await c.v2.tweet(fits);
    await c.v2.tweet('字'.repeat(140));
    expect(fake.posted).toHaveLength(before + 2);
  });

  test('GIVEN a DM send THEN 201 with dm_event_id, recorded; DM events list newest first with sender expansion', async () => {
    const c = client();
    const ev = fake.dm('bob', 'psst');
    const sent = await c.v2.sendDmToParticipant(ev.sender_id, { text: 'hi bob' });
    // The SDK types the result as the inner object, but returns X's body as is: {data: {...}}.
    expect((sent as unknown as { data: unknown }).data).toMatchObject({ dm_conversation_id: ev.dm_conversation_id, dm_event_id: expect.any(String) });
    expect(fake.dmsSent.at(-1)).toMatchObject({ text: 'hi bob', participantId: ev.sender_id });
    const list = await c.v2.get('dm_events', { 'dm_event.fields': 'sender_id,dm_conversation_id', expansions: 'sender_id' });
    expect(list.data[0]).toMatchObject({ text: 'hi bob', sender_id: fake.me.id });
    expect(list.data[1]).toMatchObject({ id: ev.id, text: 'psst', sender_id: ev.sender_id, event_type: 'MessageCreate' });
  });
});
