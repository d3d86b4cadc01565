// The Google Chat bot (project-number tokens) against the fake Google with the real google-auth-library,
// @googleapis/chat and Redis, and a stand-in brain: verification, normalization, inline and async replies,
// redeliveries, bad input, rate limits.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { deadLettersOf, eventually } from '../../helpers/mesh-harness.ts';
import { PROJECT_NUMBER, startEchoBrain, startGChatMesh, type GChatMesh } from './harness.ts';
import { messageEvent, spaceEvent } from '../../fakes/gchat/index.ts';

let mesh: GChatMesh;
let brain: ReturnType<typeof startEchoBrain>;
/** Texts containing "slow" are answered after the inline budget. */
const INLINE_MS = 4_000;

beforeAll(async () => {
  mesh = await startGChatMesh({ inlineReplyMs: INLINE_MS });
  brain = startEchoBrain(mesh, (turn) => (turn.text.includes('slow') ? INLINE_MS + 3_000 : 0));
}, 30_000);

afterAll(async () => {
  await brain?.close();
  await mesh?.cleanup();
});

describe('gchat events → inbound → reply', { timeout: 60_000 }, () => {
  test('GIVEN a DM and a fast brain THEN the reply is the HTTP answer, in the thread, and nothing is posted through the API', async () => {
    const event = messageEvent({ space: 'spaces/DM1', dm: true, text: 'hello there' });
    const r = await mesh.send(event);
    expect(r.status).toBe(200);
    const msg = event.message as { name: string; thread: { name: string } };
    expect(r.body).toEqual({ text: 'echo: hello there', thread: { name: msg.thread.name } });
    const turns = await mesh.inboundTurns();
    expect(turns.find((t) => t.eventId === msg.name)).toMatchObject({
      platform: 'gchat',
      conversation: { id: 'spaces/DM1', kind: 'dm', route: { space: 'spaces/DM1', thread: msg.thread.name } },
      author: { accountId: 'users/111111111111111111111', displayName: 'Alice Example', isBot: false },
      text: 'hello there',
    });
    await eventually(async () => (await mesh.metric('helix_gchat_deliveries_total', { outcome: 'inline' })) >= 1, 10_000, 'the delivery to settle inline');
    expect(mesh.fake.messagesIn('spaces/DM1')).toHaveLength(0);
  });

  test('GIVEN a slow brain THEN an empty 200 at once, and the reply is created later in the same thread with a requestId from the reply id', async () => {
    const event = messageEvent({ space: 'spaces/DM2', dm: true, text: 'a slow question' });
    const started = Date.now();
    const r = await mesh.send(event);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({});
    expect(Date.now() - started).toBeLessThan(INLINE_MS + 2_500);
    const msg = event.message as { name: string; thread: { name: string } };
    await eventually(() => mesh.fake.messagesIn('spaces/DM2').length === 1, 25_000, 'the async reply');
    expect(mesh.fake.messagesIn('spaces/DM2')[0]).toMatchObject({
      text: 'echo: a slow question',
      thread: msg.thread.name,
      messageReplyOption: 'REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD',
      requestId: expect.stringMatching(/^r-.+-0$/),
      createdBy: 'helix-chat@helix-test.iam.gserviceaccount.com',
    });
  });

  test('GIVEN an @mention in a space THEN the mention is stripped, the thread is the conversation, and the reply goes to that thread', async () => {
    const event = messageEvent({ space: 'spaces/ROOM1', text: 'what is up?', mentionApp: true });
    const r = await mesh.send(event);
    const msg = event.message as { name: string; thread: { name: string } };
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ text: 'echo: what is up?', thread: { name: msg.thread.name } });
    const turn = (await mesh.inboundTurns()).find((t) => t.eventId === msg.name);
    expect(turn).toMatchObject({ text: 'what is up?', conversation: { id: msg.thread.name, kind: 'thread' }, mentions: [{ accountId: 'users/app-helix', isHelix: true }] });

    const slow = messageEvent({ space: 'spaces/ROOM1', text: 'slow one please', mentionApp: true });
    expect((await mesh.send(slow)).body).toEqual({});
    await eventually(() => mesh.fake.messagesIn('spaces/ROOM1').length === 1, 25_000, 'the async reply in the space');
    expect(mesh.fake.messagesIn('spaces/ROOM1')[0]).toMatchObject({ text: 'echo: slow one please', thread: (slow.message as { thread: { name: string } }).thread.name });
  });

  test('GIVEN the same event delivered twice THEN one turn and one reply', async () => {
    const event = messageEvent({ space: 'spaces/DM3', dm: true, text: 'only once' });
    const first = await mesh.send(event);
    expect(first.body).toMatchObject({ text: 'echo: only once' });
    const again = await mesh.send(event);
    expect(again).toEqual({ status: 200, body: {} });
    const name = (event.message as { name: string }).name;
    expect((await mesh.inboundTurns()).filter((t) => t.eventId === name)).toHaveLength(1);
    expect(brain.turns.filter((t) => t.eventId === name)).toHaveLength(1);
    expect(mesh.fake.messagesIn('spaces/DM3')).toHaveLength(0);
  });

  test('GIVEN unsigned, forged, expired, wrong-audience or wrong-issuer tokens THEN 401 and nothing queued; good traffic still flows', async () => {
    const f = mesh.fake;
    const bad: Record<string, string | null> = {
      missing: null,
      garbage: 'not-a-jwt',
      unsigned: `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: 'chat@system.gserviceaccount.com', aud: PROJECT_NUMBER })).toString('base64url')}.`,
      forged: f.signChatToken({ audience: PROJECT_NUMBER, forged: true }),
      expired: f.signChatToken({ audience: PROJECT_NUMBER, issuedAtSec: -7_200, expiresInSec: 3_600 }),
      wrongAudience: f.signChatToken({ audience: '999999999999' }),
      wrongIssuer: f.signChatToken({ audience: PROJECT_NUMBER, issuer: 'someone@evil.iam.gserviceaccount.com' }),
      // An OIDC token (other key set, other issuer) is not accepted in project-number mode.
      oidcForm: f.signOidcToken({ audience: PROJECT_NUMBER }),
    };
    const names: string[] = [];
    for (const [why, token] of Object.entries(bad)) {
      const event = messageEvent({ space: 'spaces/DM4', dm: true, text: `forged ${why}` });
      names.push((event.message as { name: string }).name);
      const r = await mesh.send(event, { token });
      expect(r.status, why).toBe(401);
      expect(r.body.error, why).toBe('bad_token');
      expect(JSON.stringify(r.body)).not.toContain(String(token).slice(0, 20) || 'nothing');
    }
    const turns = await mesh.inboundTurns();
    expect(turns.filter((t) => names.includes(t.eventId))).toHaveLength(0);
    expect(await mesh.metric('helix_gchat_events_total', { outcome: 'bad_token' })).toBeGreaterThanOrEqual(Object.keys(bad).length);
    const good = await mesh.send(messageEvent({ space: 'spaces/DM4', dm: true, text: 'legit' }));
    expect(good.body).toMatchObject({ text: 'echo: legit' });
  });

  test('GIVEN bad bodies THEN 400 malformed JSON / not an event, 413 too large; a forged token is refused before the body is read', async () => {
    const ok = messageEvent({ space: 'spaces/DM5', dm: true, text: 'x' });
    expect((await mesh.send(ok, { raw: '{"type": "MESSAGE",' })).status).toBe(400);
    const notEvent = await mesh.send({ hello: 'world' });
    expect(notEvent.status).toBe(400);
    expect(notEvent.body.error).toBe('invalid_event');
    const badSpace = await mesh.send({ ...ok, space: { name: '../etc' } });
    expect(badSpace.status).toBe(400);
    const noMessage = await mesh.send({ type: 'MESSAGE', space: { name: 'spaces/DM5', spaceType: 'DIRECT_MESSAGE' } });
    expect(noMessage.status).toBe(400);
    const huge = JSON.stringify({ ...ok, padding: 'x'.repeat(300 * 1024) });
    expect((await mesh.send(ok, { raw: huge })).status).toBe(413);
    expect((await mesh.send(ok, { raw: huge, token: mesh.fake.signChatToken({ audience: PROJECT_NUMBER, forged: true }) })).status).toBe(401);
    expect((await mesh.inboundTurns()).filter((t) => t.conversation.id === 'spaces/DM5')).toHaveLength(0);
  });

  test('GIVEN ADDED_TO_SPACE, REMOVED_FROM_SPACE, CARD_CLICKED or an unknown type THEN acknowledged (a greeting when added), nothing queued', async () => {
    const before = (await mesh.inboundTurns()).length;
    const added = await mesh.send(spaceEvent('ADDED_TO_SPACE', 'spaces/ROOM9'));
    expect(added.status).toBe(200);
    expect(String(added.body.text)).toMatch(/Helix/);
    const addedDm = await mesh.send(spaceEvent('ADDED_TO_SPACE', 'spaces/DM9', true));
    expect(String(addedDm.body.text)).toMatch(/Helix/);
    expect(await mesh.send(spaceEvent('REMOVED_FROM_SPACE', 'spaces/ROOM9'))).toEqual({ status: 200, body: {} });
    expect(await mesh.send(spaceEvent('CARD_CLICKED', 'spaces/ROOM9'))).toEqual({ status: 200, body: {} });
    expect(await mesh.send({ type: 'WIDGET_UPDATED', space: { name: 'spaces/ROOM9' } })).toEqual({ status: 200, body: {} });
    // A bot's message is never answered.
    const fromBot = messageEvent({ space: 'spaces/ROOM9', text: 'beep', sender: { name: 'users/other-bot', displayName: 'Other', type: 'BOT' } });
    expect(await mesh.send(fromBot)).toEqual({ status: 200, body: {} });
    expect((await mesh.inboundTurns()).length).toBe(before);
  });

  test('GIVEN ADDED_TO_SPACE carrying the @mention that added the app THEN that message is answered', async () => {
    const event = messageEvent({ space: 'spaces/ROOM10', text: 'join us', mentionApp: true, type: 'ADDED_TO_SPACE' });
    const r = await mesh.send(event);
    expect(r.body).toMatchObject({ text: 'echo: join us' });
  });

  test('GIVEN the Chat API answers 429 THEN the delivery waits out Retry-After and posts once', async () => {
    const event = messageEvent({ space: 'spaces/DM6', dm: true, text: 'rate limited please' });
    const name = (event.message as { name: string }).name;
    mesh.fake.addThread((event.message as { thread: { name: string } }).thread.name);
    // No HTTP request waits for this one: straight to the API.
    const turn = (await import('../../../mesh/index.ts')).InboundTurn.parse({
      v: 1, platform: 'gchat', eventId: name, conversation: { id: 'spaces/DM6', kind: 'dm', route: { space: 'spaces/DM6', thread: (event.message as { thread: { name: string } }).thread.name } },
      author: { accountId: 'users/1', displayName: 'A' }, text: 'x', receivedAt: new Date().toISOString(), traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    mesh.fake.failNext(1, 429, { 'retry-after': '1' });
    await mesh.reply(turn, 'after the wait');
    await eventually(() => mesh.fake.messagesIn('spaces/DM6').length === 1, 25_000, 'the message after the 429');
    const calls = mesh.fake.calls.filter((c) => c.path === '/v1/spaces/DM6/messages');
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    expect(await mesh.metric('helix_gchat_deliveries_total', { outcome: 'rate_limited' })).toBe(1);
  });

  test('GIVEN the Chat API refuses a reply for good (403) THEN it is dead-lettered with Google\'s reason', async () => {
    const turn = (await import('../../../mesh/index.ts')).InboundTurn.parse({
      v: 1, platform: 'gchat', eventId: 'spaces/DM7/messages/x.y', conversation: { id: 'spaces/DM7', kind: 'dm', route: { space: 'spaces/DM7' } },
      author: { accountId: 'users/1', displayName: 'A' }, text: 'x', receivedAt: new Date().toISOString(), traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    mesh.fake.failNext(1, 403);
    await mesh.reply(turn, 'nope');
    await eventually(async () => (await deadLettersOf(mesh.prefix)).some((d) => d.queue === 'outbound-gchat'), 25_000, 'the dead letter');
    const dl = (await deadLettersOf(mesh.prefix)).find((d) => d.queue === 'outbound-gchat')!;
    expect(dl.code).toBe('platform_rejected');
    expect(dl.reason).toContain('PERMISSION_DENIED');
    expect(mesh.fake.messagesIn('spaces/DM7')).toHaveLength(0);
  });

  test('GIVEN many events THEN Google\'s certificates were fetched once (cached per Cache-Control); /healthz and /metrics answer', async () => {
    expect(mesh.fake.certFetches.chat).toBe(1);
    expect(mesh.fake.certFetches.oidc).toBe(0);
    const h = await fetch(`${mesh.bot.url}/healthz`);
    expect(h.status).toBe(200);
    const m = await (await fetch(`${mesh.bot.url}/metrics`)).text();
    expect(m).toContain('helix_gchat_events_total');
  });
});
