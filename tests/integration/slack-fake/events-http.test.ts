// The real Bolt App (HTTP receiver) against the fake Slack: signed Events API deliveries in,
// Web API calls out.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { startFakeSlack, type FakeSlack } from '../../fakes/slack/index.ts';
import { startBolt, type BoltUnderTest } from './bolt-harness.ts';

type MessageArgs = SlackEventMiddlewareArgs<'message'> & AllMiddlewareArgs;

describe('fake Slack ↔ real Bolt over HTTP', () => {
  let fake: FakeSlack;
  let bolt: BoltUnderTest | undefined;
  const seen: Array<{ text: string | undefined; channel: string; threadTs: string | undefined; retryNum: number | undefined; retryReason: string | undefined; eventId: string | undefined }> = [];

  beforeEach(async () => {
    seen.length = 0;
    fake = await startFakeSlack();
  });
  afterEach(async () => {
    await bolt?.stop();
    bolt = undefined;
    await fake.close();
    await fake.close(); // idempotent
  });

  const echoBot = (): Promise<BoltUnderTest> =>
    startBolt(fake, (app) => {
      app.message(async ({ message, say, context, body }: MessageArgs) => {
        const m = message as { text?: string; channel: string; thread_ts?: string; ts: string };
        seen.push({ text: m.text, channel: m.channel, threadTs: m.thread_ts, retryNum: context.retryNum, retryReason: context.retryReason, eventId: (body as { event_id?: string }).event_id });
        await say({ text: `echo: ${m.text ?? ''}`, ...(m.thread_ts !== undefined ? { thread_ts: m.thread_ts } : {}) });
      });
      app.event('app_mention', async ({ event, client }) => {
        seen.push({ text: event.text, channel: event.channel, threadTs: event.thread_ts, retryNum: undefined, retryReason: undefined, eventId: undefined });
        const posted = await client.chat.postMessage({ channel: event.channel, thread_ts: event.ts, text: 'thinking…' });
        await client.chat.update({ channel: event.channel, ts: posted.ts as string, text: 'done', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*done*' } }] });
      });
    });

  it('Bolt calls auth.test at start with the bot token', async () => {
    bolt = await echoBot();
    const call = await fake.waitForCall('auth.test');
    expect(call.token).toBe(fake.botToken);
    expect(call.headers['authorization']).toBe(`Bearer ${fake.botToken}`);
    expect(call.response).toMatchObject({ ok: true, user_id: fake.ids.botUserId, bot_id: fake.ids.botId, team_id: fake.ids.teamId });
  });

  it('answers a signed url_verification with the challenge', async () => {
    bolt = await echoBot();
    const payload = fake.urlVerification('3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P');
    const r = await fake.deliver(bolt.eventsUrl, payload);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
    expect(r.elapsedMs).toBeLessThan(3000);
    expect(r.timedOut).toBe(false);
  });

  it('a signed DM reaches app.message and say() posts chat.postMessage to the fake', async () => {
    bolt = await echoBot();
    const ev = fake.dm('hello there');
    expect(ev.event).toMatchObject({ type: 'message', channel_type: 'im', channel: fake.dmChannel, user: fake.userId });
    const r = await fake.deliver(bolt.eventsUrl, ev);
    expect(r.status).toBe(200);
    expect(r.elapsedMs).toBeLessThan(3000);
    const call = await fake.waitForCall('chat.postMessage');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ text: 'hello there', channel: fake.dmChannel, retryNum: undefined, eventId: ev.event_id });
    // @slack/web-api sends a form body with the Bearer token; say() adds channel (and team_id).
    expect(call.contentType).toContain('application/x-www-form-urlencoded');
    expect(call.token).toBe(fake.botToken);
    expect(call.args).toMatchObject({ channel: fake.dmChannel, text: 'echo: hello there' });
    expect(call.response).toMatchObject({ ok: true, channel: fake.dmChannel });
    expect(String(call.response['ts'])).toMatch(/^\d{10}\.\d{6}$/);
    expect(fake.messages).toHaveLength(1);
  });

  it('a thread reply keeps thread_ts; app_mention → client.chat.postMessage + chat.update (blocks decoded)', async () => {
    bolt = await echoBot();
    const parent = '1700000000.000100';
    await fake.deliver(bolt.eventsUrl, fake.message({ channel: fake.generalChannel, user: fake.userId, text: 'in thread', channelType: 'channel', threadTs: parent }));
    const reply = await fake.waitForCall('chat.postMessage');
    expect(seen[0]).toMatchObject({ threadTs: parent });
    expect(reply.args).toMatchObject({ channel: fake.generalChannel, thread_ts: parent });

    const mention = fake.mention('what is up?');
    expect(mention.event.text).toBe(`<@${fake.ids.botUserId}> what is up?`);
    const r = await fake.deliver(bolt.eventsUrl, mention);
    expect(r.status).toBe(200);
    const upd = await fake.waitForCall('chat.update');
    expect(upd.args['blocks']).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: '*done*' } }]);
    expect(upd.response).toMatchObject({ ok: true, text: 'done' });
    const edited = fake.messages.find((m) => m.ts === upd.args['ts']);
    expect(edited).toMatchObject({ text: 'done', edited: true, threadTs: mention.event['ts'] });
  });

  it('forged signature and stale timestamp → 401, handler never runs', async () => {
    bolt = await echoBot();
    const forged = await fake.deliver(bolt.eventsUrl, fake.dm('forged'), { forgeWithSecret: 'not-the-secret' });
    expect(forged.status).toBe(401);
    const garbage = await fake.deliver(bolt.eventsUrl, fake.dm('garbage'), { signatureOverride: 'v0=deadbeef' });
    expect(garbage.status).toBe(401);
    const stale = await fake.deliver(bolt.eventsUrl, fake.dm('stale'), { timestampSec: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(stale.status).toBe(401);
    // url_verification is checked after the signature, so a forged one fails too.
    const forgedChallenge = await fake.deliver(bolt.eventsUrl, fake.urlVerification('x'), { forgeWithSecret: 'nope' });
    expect(forgedChallenge.status).toBe(401);
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toHaveLength(0);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('a retry delivery carries X-Slack-Retry-Num / -Reason into context (Bolt does not dedupe)', async () => {
    bolt = await echoBot();
    const ev = fake.dm('retry me');
    await fake.deliver(bolt.eventsUrl, ev);
    const r = await fake.deliver(bolt.eventsUrl, ev, { retryNum: 1, retryReason: 'http_timeout' });
    expect(r.sentHeaders['x-slack-retry-num']).toBe('1');
    expect(r.status).toBe(200);
    await fake.waitForCall('chat.postMessage', 2);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatchObject({ retryNum: undefined, eventId: ev.event_id });
    expect(seen[1]).toMatchObject({ retryNum: 1, retryReason: 'http_timeout', eventId: ev.event_id });
  });
});
