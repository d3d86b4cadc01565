// The fake's Web API as the real @slack/web-api (inside Bolt) sees it: rate limits, platform errors,
// auth, validation, JSON bodies.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogLevel, webApi } from '@slack/bolt';

// @slack/web-api is reached through Bolt's re-export: only @slack/bolt is a declared dependency.
const { ErrorCode, WebClient } = webApi;
type WebAPIRateLimitedError = webApi.WebAPIRateLimitedError;
type WebAPIPlatformError = webApi.WebAPIPlatformError;
import { startFakeSlack, type FakeSlack } from '../../fakes/slack/index.ts';
import { startBolt, type BoltUnderTest } from './bolt-harness.ts';

describe('fake Slack Web API', () => {
  let fake: FakeSlack;
  let bolt: BoltUnderTest | undefined;
  beforeEach(async () => {
    fake = await startFakeSlack();
  });
  afterEach(async () => {
    await bolt?.stop();
    bolt = undefined;
    await fake.close();
  });

  /** A bot whose message handler tries say() and records the outcome. */
  const sayBot = (clientOptions: Record<string, unknown>, outcomes: unknown[]): Promise<BoltUnderTest> =>
    startBolt(
      fake,
      (app) => {
        app.message(async ({ say }) => {
          try {
            const r = await say('hi');
            outcomes.push({ ok: true, ts: r.ts });
          } catch (e) {
            outcomes.push(e);
          }
        });
      },
      { clientOptions },
    );

  const until = async (cond: () => boolean, ms = 5000): Promise<void> => {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error('timeout');
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  it('429 on chat.postMessage with rejectRateLimitedCalls: true → slack_webapi_rate_limited_error', async () => {
    const outcomes: unknown[] = [];
    bolt = await sayBot({ rejectRateLimitedCalls: true }, outcomes);
    fake.failNext('chat.postMessage', { retryAfterSec: 30, times: 1 });
    const r = await fake.deliver(bolt.eventsUrl, fake.dm('rate me'));
    expect(r.status).toBe(200); // the event is acked before the handler's API call fails
    await until(() => outcomes.length === 1);
    const e = outcomes[0] as WebAPIRateLimitedError;
    expect(e.code).toBe(ErrorCode.RateLimitedError);
    expect(e.code).toBe('slack_webapi_rate_limited_error');
    expect(e.retryAfter).toBe(30);
    const call = fake.callsTo('chat.postMessage')[0];
    expect(call?.status).toBe(429);
    expect(call?.response).toEqual({ ok: false, error: 'ratelimited' });
    expect(fake.messages).toHaveLength(0);
  });

  it('429 by default is retried after Retry-After and then succeeds', async () => {
    const outcomes: unknown[] = [];
    // Retry-After: 0 and a fast retry policy keep the test quick; the default policy retries 10× over ~30 min.
    bolt = await sayBot({ retryConfig: { retries: 3, minTimeout: 0, maxTimeout: 1 } }, outcomes);
    fake.failNext('chat.postMessage', { retryAfterSec: 0, times: 2 });
    await fake.deliver(bolt.eventsUrl, fake.dm('retry'));
    await until(() => outcomes.length === 1);
    expect(outcomes[0]).toMatchObject({ ok: true });
    expect(fake.callsTo('chat.postMessage').map((c) => c.status)).toEqual([429, 429, 200]);
    expect(fake.messages).toHaveLength(1);
  });

  it('scripted channel_not_found (and a real one for an unknown channel) become platform errors', async () => {
    const outcomes: unknown[] = [];
    bolt = await sayBot({}, outcomes);
    fake.failNext('chat.postMessage', { error: 'channel_not_found' });
    await fake.deliver(bolt.eventsUrl, fake.dm('x'));
    await until(() => outcomes.length === 1);
    const e = outcomes[0] as WebAPIPlatformError;
    expect(e.code).toBe(ErrorCode.PlatformError);
    expect(e.data).toMatchObject({ ok: false, error: 'channel_not_found' });

    await fake.deliver(bolt.eventsUrl, fake.dm('y', { channel: 'D0NOSUCH00' }));
    await until(() => outcomes.length === 2);
    expect((outcomes[1] as WebAPIPlatformError).data.error).toBe('channel_not_found');
  });

  it('checks the token, validates arguments, accepts JSON bodies, answers info methods', async () => {
    const bad = new WebClient('xoxb-wrong', { slackApiUrl: fake.apiUrl, logLevel: LogLevel.ERROR });
    await expect(bad.auth.test()).rejects.toMatchObject({ code: ErrorCode.PlatformError, data: { error: 'invalid_auth' } });
    const noToken = await fetch(`${fake.apiUrl}auth.test`, { method: 'POST' });
    expect(await noToken.json()).toEqual({ ok: false, error: 'not_authed' });

    const client = new WebClient(fake.botToken, { slackApiUrl: fake.apiUrl, logLevel: LogLevel.ERROR });
    await expect(client.chat.postMessage({ channel: fake.dmChannel } as never)).rejects.toMatchObject({ data: { error: 'no_text' } });
    const blocksOnly = await client.chat.postMessage({ channel: fake.dmChannel, text: undefined as never, blocks: [{ type: 'divider' }] });
    expect(blocksOnly.ok).toBe(true);
    await expect(client.chat.update({ channel: fake.dmChannel, ts: '1.000000', text: 'x' })).rejects.toMatchObject({ data: { error: 'message_not_found' } });

    const info = await client.conversations.info({ channel: fake.dmChannel });
    expect(info.channel).toMatchObject({ id: fake.dmChannel, is_im: true, user: fake.userId });
    const user = await client.users.info({ user: fake.userId });
    expect(user.user).toMatchObject({ id: fake.userId, name: 'alice', team_id: fake.ids.teamId });
    await expect(client.users.info({ user: 'U0NOPE' })).rejects.toMatchObject({ data: { error: 'user_not_found' } });

    const json = await fetch(`${fake.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.botToken}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: fake.generalChannel, text: 'json body', thread_ts: blocksOnly.ts }),
    });
    const body = (await json.json()) as { ok: boolean; ts: string; message: { thread_ts: string } };
    expect(body).toMatchObject({ ok: true, message: { thread_ts: blocksOnly.ts, bot_id: fake.ids.botId } });
    expect(Number(body.ts)).toBeGreaterThan(Number(blocksOnly.ts));
    expect(fake.calls.at(-1)).toMatchObject({ method: 'chat.postMessage', contentType: expect.stringContaining('application/json') });
  });
});
