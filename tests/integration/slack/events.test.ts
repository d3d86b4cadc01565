// Slack Events API → `inbound`, with the real Bolt receiver against the fake Slack and real Redis.
import { afterEach, describe, expect, test } from 'vitest';
import { eventually } from '../../helpers/mesh-harness.ts';
import { sleep, startSlackMesh, type SlackMesh } from './harness.ts';

let mesh: SlackMesh | undefined;
afterEach(async () => {
  await mesh?.cleanup();
  mesh = undefined;
});

describe('slack bot intake', () => {
  test('GIVEN a signed DM THEN one InboundTurn; a retry (X-Slack-Retry-Num) of the same event makes no second turn', async () => {
    mesh = await startSlackMesh();
    const { fake, bot } = mesh;
    const ev = fake.dm('hello Helix');
    const r = await fake.deliver(bot.eventsUrl, ev);
    expect(r.status).toBe(200);
    // Acknowledged only after the envelope is on the queue.
    const [turn] = await mesh.inbound.waitFor(1);
    expect(turn).toMatchObject({
      platform: 'slack', eventId: ev.event_id, text: 'hello Helix',
      conversation: { id: `slack-${fake.ids.teamId}-${fake.dmChannel}`, kind: 'dm', route: { channelId: fake.dmChannel, teamId: fake.ids.teamId } },
      author: { accountId: fake.userId, isBot: false },
    });
    expect(mesh.inbound.items[0]!.jobId).toContain(ev.event_id);
    const retry = await fake.deliver(bot.eventsUrl, ev, { retryNum: 1, retryReason: 'http_timeout' });
    expect(retry.status).toBe(200);
    await sleep(400);
    expect(mesh.inbound.items).toHaveLength(1);
  });

  test('GIVEN url_verification THEN the challenge is answered', async () => {
    mesh = await startSlackMesh();
    const r = await mesh.fake.deliver(mesh.bot.eventsUrl, mesh.fake.urlVerification('abc123'));
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ challenge: 'abc123' });
  });

  test('GIVEN a forged signature or a stale timestamp THEN 401 and nothing is queued', async () => {
    mesh = await startSlackMesh();
    const { fake, bot } = mesh;
    const forged = await fake.deliver(bot.eventsUrl, fake.dm('let me in'), { forgeWithSecret: 'not-the-secret-0000' });
    expect(forged.status).toBe(401);
    const stale = await fake.deliver(bot.eventsUrl, fake.dm('from the past'), { timestampSec: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(stale.status).toBe(401);
    await sleep(400);
    expect(mesh.inbound.items).toHaveLength(0);
  });

  test('GIVEN bot messages, Helix\'s own and channel chatter THEN nothing is queued; a mention in a thread is the thread\'s conversation', async () => {
    mesh = await startSlackMesh();
    const { fake, bot } = mesh;
    const botMsg = fake.eventCallback({ type: 'message', subtype: 'bot_message', bot_id: 'B0OTHERBOT', text: 'beep', channel: fake.dmChannel, channel_type: 'im', ts: '1700000001.000001' });
    const otherBot = fake.eventCallback({ type: 'message', bot_id: 'B0OTHERBOT', user: 'U0OTHERBOT', text: 'boop', channel: fake.dmChannel, channel_type: 'im', ts: '1700000001.000002' });
    const own = fake.eventCallback({ type: 'message', bot_id: fake.ids.botId, user: fake.ids.botUserId, text: 'my own reply', channel: fake.dmChannel, channel_type: 'im', ts: '1700000001.000003' });
    const chatter = fake.message({ channel: fake.generalChannel, user: fake.userId, text: 'just chatting', channelType: 'channel' });
    for (const p of [botMsg, otherBot, own, chatter]) expect((await fake.deliver(bot.eventsUrl, p)).status).toBe(200);
    const parent = '1700000000.000100';
    const mention = fake.mention('what do you think?', { threadTs: parent });
    expect((await fake.deliver(bot.eventsUrl, mention)).status).toBe(200);
    const [turn] = await mesh.inbound.waitFor(1);
    await sleep(300);
    expect(mesh.inbound.items).toHaveLength(1);
    expect(turn).toMatchObject({
      eventId: mention.event_id, text: 'what do you think?', replyToEventId: parent,
      conversation: { id: `slack-${fake.ids.teamId}-${fake.generalChannel}-${parent}`, kind: 'thread', route: { channelId: fake.generalChannel, threadTs: parent } },
    });
    expect(turn!.mentions).toEqual([{ accountId: fake.ids.botUserId, isHelix: true }]);
  });

  test('GIVEN /healthz and /metrics on the bot\'s port THEN Redis is checked and events are counted', async () => {
    mesh = await startSlackMesh();
    const health = await fetch(`${mesh.bot.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', checks: { redis: { ok: true } } });
    await mesh.fake.deliver(mesh.bot.eventsUrl, mesh.fake.dm('count me'));
    await mesh.inbound.waitFor(1);
    const metrics = await (await fetch(`${mesh.bot.url}/metrics`)).text();
    expect(metrics).toMatch(/helix_slack_events_total\{[^}]*outcome="accepted"[^}]*\} 1/);
  });
});
