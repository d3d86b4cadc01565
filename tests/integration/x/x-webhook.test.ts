// The Account Activity webhook of the X bot over a real socket: CRC, signature checks, and the same
// event ids as the poller (a mention seen both ways is one turn).
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { jobIdFor } from '../../../mesh/index.ts';
import { deadLettersOf, eventually } from '../../helpers/mesh-harness.ts';
import { CREDS, sleep, startXMesh, type XMesh } from './harness.ts';

let mesh: XMesh;
let hook: string;

beforeAll(async () => {
  mesh = await startXMesh({ webhook: true, dms: true });
  await mesh.ready();
  hook = mesh.bot.webhookUrl!;
}, 30_000);

afterAll(async () => {
  await mesh?.cleanup();
});

const payload = (events: unknown[], extra: Record<string, unknown> = {}) => ({ for_user_id: mesh.fake.me.id, tweet_create_events: events, ...extra });

describe('x webhook', () => {
  test('GIVEN a CRC challenge THEN sha256= base64 HMAC of the token with the consumer secret; a missing or non-token crc_token is 400', async () => {
    expect(await mesh.fake.crc(hook, CREDS.appSecret)).toEqual({ status: 200, ok: true });
    expect((await mesh.fake.crc(hook, 'another-secret')).ok).toBe(false);
    expect((await fetch(hook)).status).toBe(400);
    // A JSON body is never a valid token: the CRC answer cannot be used to sign a forged delivery.
    const forgedBody = JSON.stringify(payload([]));
    expect((await fetch(`${hook}?crc_token=${encodeURIComponent(forgedBody)}`)).status).toBe(400);
  });

  test('GIVEN a signed tweet_create_events delivery mentioning Helix THEN one turn with the post id as event id; the poller then sees the same post and adds none', async () => {
    const m = mesh.fake.mention('kim', '@helix via webhook');
    // Whichever path sees it first, the job id (from the post id) is the same.
    const r = await mesh.fake.deliverWebhook(hook, payload([mesh.fake.tweetCreateEvent(m)]), { secret: CREDS.appSecret });
    expect(r.status).toBe(200);
    await eventually(async () => (await mesh.inbound.getJob(jobIdFor('x', m.id))) !== undefined, 5_000, 'the turn');
    const polls = mesh.fake.requestsTo('GET /2/users/:id/mentions').length;
    await eventually(() => mesh.fake.requestsTo('GET /2/users/:id/mentions').length >= polls + 3, 10_000, 'more polls');
    const turns = (await mesh.inboundTurns()).filter((t) => t.eventId === m.id);
    expect(turns).toHaveLength(1);
    expect(turns[0]).toMatchObject({ platform: 'x', text: 'via webhook', conversation: { route: { kind: 'mention', tweetId: m.id, username: 'kim' } } });
    // A retried delivery adds nothing.
    expect((await mesh.fake.deliverWebhook(hook, payload([mesh.fake.tweetCreateEvent(m)]), { secret: CREDS.appSecret })).body).toContain('"duplicate":1');
    expect((await mesh.inboundTurns()).filter((t) => t.eventId === m.id)).toHaveLength(1);
  });

  test('GIVEN forged, tampered or unsigned deliveries THEN 401 and nothing queued; good traffic afterwards still works', async () => {
    // A post that exists only in the delivery (the poller never sees it), so only the webhook could queue it.
    const fakePost = { id_str: '1999999999999999991', text: '@helix forged', user: { id_str: '1999999999999999000', screen_name: 'mallory', name: 'Mallory' }, entities: { user_mentions: [{ id_str: mesh.fake.me.id }] } };
    for (const forge of ['wrong-secret', 'tampered-body', 'missing'] as const) {
      const r = await mesh.fake.deliverWebhook(hook, payload([fakePost]), { secret: CREDS.appSecret, forge });
      expect(r.status, forge).toBe(401);
    }
    await sleep(300);
    expect(await mesh.inbound.getJob(jobIdFor('x', fakePost.id_str))).toBeUndefined();
    const good = await mesh.fake.deliverWebhook(hook, payload([fakePost]), { secret: CREDS.appSecret });
    expect(good.status).toBe(200);
    expect(await mesh.inbound.getJob(jobIdFor('x', fakePost.id_str))).toBeDefined();
  });

  test('GIVEN signed bad input THEN precise 400s (bad JSON, not an object, events not an array) and nothing queued; a malformed post is dead-lettered', async () => {
    const before = (await mesh.inboundTurns()).length;
    const send = (raw: string) => fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json', 'x-twitter-webhooks-signature': `sha256=${createHmac('sha256', CREDS.appSecret).update(raw).digest('base64')}` }, body: raw });
    const bad = await send('{not json');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'malformed_json' });
    expect((await send('[1,2]')).status).toBe(400);
    const notArray = await send(JSON.stringify({ for_user_id: mesh.fake.me.id, tweet_create_events: { id_str: '1' } }));
    expect(notArray.status).toBe(400);
    expect(await notArray.json()).toMatchObject({ error: 'malformed_body' });
    // Another account's delivery: accepted, ignored.
    expect(await (await send(JSON.stringify({ for_user_id: '42', tweet_create_events: [] }))).json()).toMatchObject({ accepted: false, reason: 'other_user' });
    const malformed = await send(JSON.stringify(payload([{ id_str: '1999999999999999993', text: '@helix no user object' }])));
    expect(malformed.status).toBe(200);
    expect((await mesh.inboundTurns()).length).toBe(before);
    const dl = await deadLettersOf(mesh.prefix);
    expect(dl.find((d) => d.queue === 'x-webhook')).toMatchObject({ code: 'payload_invalid', reason: expect.stringMatching(/user/) });
  });

  test('GIVEN a signed direct_message_events delivery THEN one dm turn with the same id the DM poller uses', async () => {
    const sender = mesh.fake.addUser('lena');
    const dm = { type: 'message_create', id: '1999999999999999995', created_timestamp: String(Date.now()), message_create: { target: { recipient_id: mesh.fake.me.id }, sender_id: sender.id, message_data: { text: 'hi in private' } } };
    const r = await mesh.fake.deliverWebhook(hook, { for_user_id: mesh.fake.me.id, direct_message_events: [dm] }, { secret: CREDS.appSecret });
    expect(r.status).toBe(200);
    const turn = (await mesh.inboundTurns()).find((t) => t.eventId === `dm-${dm.id}`);
    const small = BigInt(sender.id) < BigInt(mesh.fake.me.id) ? [sender.id, mesh.fake.me.id] : [mesh.fake.me.id, sender.id];
    expect(turn).toMatchObject({ conversation: { id: `x-dm-${small.join('-')}`, kind: 'dm', route: { kind: 'dm', authorId: sender.id } }, text: 'hi in private' });
  });
});
