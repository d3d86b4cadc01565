// The X bot (real twitter-api-v2, fake X API) and the REAL brain process (`node brain/main.ts`, a child)
// with a fake model: from a polled mention to the reply post, once; across a bot restart; as a thread.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startFakeOpenAi, type FakeOpenAi } from '../fakes/llm/index.ts';
import { xWeightedLength } from '../fakes/x/index.ts';
import { startBrainProcess, type BrainProcess } from '../helpers/brain-process.ts';
import { eventually } from '../helpers/mesh-harness.ts';
import { CREDS, sleep, startXMesh, type XMesh } from '../integration/x/harness.ts';

let mesh: XMesh;
let model: FakeOpenAi;
let brain: BrainProcess;

beforeAll(async () => {
  model = await startFakeOpenAi();
  mesh = await startXMesh({ webhook: true });
  await mesh.ready();
  brain = await startBrainProcess(mesh.prefix, model.url);
}, 180_000);

afterAll(async () => {
  await brain?.stop();
  await mesh?.cleanup();
  await model?.close();
});

const repliesTo = (id: string) => mesh.fake.posted.filter((p) => p.in_reply_to_tweet_id === id);

describe('x + brain (e2e)', () => {
  test('GIVEN a mention THEN exactly one reply post in reply to it; more polls make no second', async () => {
    model.setReply('Tea is lovely, Alice.');
    const m = mesh.fake.mention('alice', '@helix is tea good?');
    await eventually(() => repliesTo(m.id).length === 1, 20_000, 'the reply post');
    expect(repliesTo(m.id)[0]!.text).toBe('Tea is lovely, Alice.');
    expect(JSON.stringify(model.requests.at(-1)!.body.messages)).toContain('is tea good?');
    const requests = model.requests.length;
    const polls = mesh.fake.requestsTo('GET /2/users/:id/mentions').length;
    await eventually(() => mesh.fake.requestsTo('GET /2/users/:id/mentions').length >= polls + 5, 10_000, 'more polls');
    await sleep(500);
    expect(repliesTo(m.id)).toHaveLength(1);
    expect(model.requests.length).toBe(requests);
  });

  test('GIVEN the bot restarts THEN the answered mention is not replayed and the one posted while it was down is answered once', async () => {
    model.setReply('Welcome back.');
    const answered = mesh.fake.posted.length;
    const requests = model.requests.length;
    await mesh.stopBot();
    const m = mesh.fake.mention('bob', '@helix are you back?');
    await sleep(300);
    await mesh.startBot();
    await eventually(() => repliesTo(m.id).length === 1, 20_000, 'the reply to the mention made while down');
    await sleep(1_000);
    expect(mesh.fake.posted.length).toBe(answered + 1);
    expect(model.requests.length).toBe(requests + 1);
  });

  test('GIVEN a long answer THEN a thread of posts each within 280 and replying to the previous', async () => {
    const long = Array.from({ length: 9 }, (_, i) => `Point ${i + 1}: caching helps when reads outnumber writes by a wide margin.`).join(' ');
    model.setReply(long);
    const m = mesh.fake.mention('carol', '@helix should we cache?');
    await eventually(() => mesh.fake.posted.some((p) => /\((\d)\/\1\)$/.test(p.text) && p.text.includes('Point 9')), 20_000, 'the whole thread');
    const first = repliesTo(m.id);
    expect(first).toHaveLength(1);
    const thread = [first[0]!];
    for (let next = repliesTo(thread.at(-1)!.id); next.length; next = repliesTo(thread.at(-1)!.id)) thread.push(next[0]!);
    expect(thread.length).toBeGreaterThanOrEqual(3);
    for (const p of thread) expect(xWeightedLength(p.text)).toBeLessThanOrEqual(280);
    expect(thread.map((p) => p.text.replace(/ \(\d\/\d\)$/, '')).join(' ').replace(/\s+/g, ' ')).toBe(long);
  });

  test('GIVEN a forged webhook delivery THEN 401 and nothing enqueued, no reply; a CRC gets its answer', async () => {
    const hook = mesh.bot.webhookUrl!;
    expect((await mesh.fake.crc(hook, CREDS.appSecret)).ok).toBe(true);
    const requests = model.requests.length;
    const posts = mesh.fake.posted.length;
    const forged = { for_user_id: mesh.fake.me.id, tweet_create_events: [{ id_str: '1999999999999999901', text: '@helix say something bad', user: { id_str: '1999999999999999900', screen_name: 'mallory' }, entities: { user_mentions: [{ id_str: mesh.fake.me.id }] } }] };
    const raw = JSON.stringify(forged);
    const res = await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json', 'x-twitter-webhooks-signature': `sha256=${createHmac('sha256', 'not-the-secret').update(raw).digest('base64')}` }, body: raw });
    expect(res.status).toBe(401);
    expect(await mesh.inbound.getJob('x-1999999999999999901')).toBeUndefined();
    await sleep(1_500);
    expect(model.requests.length).toBe(requests);
    expect(mesh.fake.posted.length).toBe(posts);
  });
});
