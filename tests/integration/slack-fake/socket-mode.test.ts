// The real Bolt App in Socket Mode against the fake: apps.connections.open with the xapp- token,
// a WebSocket that gets `hello` first, an events_api envelope in, the ack back, a reconnect on `disconnect`.
import { afterEach, describe, expect, it } from 'vitest';
import { App, LogLevel } from '@slack/bolt';
import { startFakeSlack, type FakeSlack } from '../../fakes/slack/index.ts';

describe('fake Slack Socket Mode ↔ real Bolt', () => {
  let fake: FakeSlack | undefined;
  let app: App | undefined;
  afterEach(async () => {
    await app?.stop();
    app = undefined;
    await fake?.close();
  });

  it('connects, receives an envelope, acks it, reconnects on disconnect', async () => {
    fake = await startFakeSlack();
    const f = fake;
    const got: Array<{ text: string | undefined; retryNum: number | undefined }> = [];
    app = new App({
      token: f.botToken,
      appToken: f.appToken,
      socketMode: true,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: f.apiUrl },
      installerOptions: { clientOptions: { slackApiUrl: f.apiUrl } },
    });
    app.message(async ({ message, say, context }) => {
      got.push({ text: (message as { text?: string }).text, retryNum: context.retryNum });
      await say('pong');
    });
    await app.start();
    await f.waitForSocket();
    const open = f.callsTo('apps.connections.open');
    expect(open).toHaveLength(1);
    expect(open[0]?.token).toBe(f.appToken);

    const ack = await f.send(f.dm('ping'));
    expect(typeof ack.envelope_id).toBe('string');
    expect(ack.elapsedMs).toBeLessThan(3000);
    await f.waitForCall('chat.postMessage');
    // Socket Mode envelopes always carry retry_attempt (0 on the first delivery), so retryNum is 0, not undefined as over HTTP.
    expect(got).toEqual([{ text: 'ping', retryNum: 0 }]);
    expect(f.callsTo('chat.postMessage')[0]?.args).toMatchObject({ channel: f.dmChannel, text: 'pong' });

    f.disconnectSockets('refresh_requested');
    await f.waitForCall('apps.connections.open', 2, 10_000);
    await f.waitForSocket();
    const ack2 = await f.send(f.dm('again'), { retryAttempt: 1, retryReason: 'timeout' });
    expect(typeof ack2.envelope_id).toBe('string');
    await f.waitForCall('chat.postMessage', 2);
    expect(got[1]).toEqual({ text: 'again', retryNum: 1 });
  });
});
