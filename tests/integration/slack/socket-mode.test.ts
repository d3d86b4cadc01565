// Socket Mode (slack.socketMode): the same intake and delivery as over HTTP, with the envelopes coming over
// the fake Slack's WebSocket; an envelope is acked only once its turn is on `inbound`.
import { afterEach, describe, expect, test } from 'vitest';
import { startSlackBot } from '../../../bots/slack/slack-bot.ts';
import { HelixConfig } from '../../../config/index.ts';
import { createLogger } from '../../../mesh/index.ts';
import { startFakeSlack } from '../../fakes/slack/index.ts';
import { testConfig, testPrefix } from '../../helpers/mesh-harness.ts';
import { sleep, startSlackMesh, type SlackMesh } from './harness.ts';

let mesh: SlackMesh | undefined;
afterEach(async () => {
  await mesh?.cleanup();
  mesh = undefined;
});

describe('slack bot in socket mode', () => {
  test('GIVEN a DM envelope THEN it is acked with one InboundTurn queued; a redelivery (retry_attempt 1) makes no second turn', async () => {
    mesh = await startSlackMesh({ socketMode: true });
    const { fake, bot } = mesh;
    expect(bot.socketMode).toBe(true);
    expect(fake.callsTo('apps.connections.open')[0]?.token).toBe(fake.appToken);
    const ev = fake.dm('hello over the socket');
    const ack = await fake.send(ev);
    expect(typeof ack.envelope_id).toBe('string');
    // Acked only after the envelope is on the queue.
    const [turn] = await mesh.inbound.waitFor(1);
    expect(turn).toMatchObject({
      platform: 'slack', eventId: ev.event_id, text: 'hello over the socket',
      conversation: { id: `slack-${fake.ids.teamId}-${fake.dmChannel}`, kind: 'dm', route: { channelId: fake.dmChannel, teamId: fake.ids.teamId } },
      author: { accountId: fake.userId, isBot: false },
    });
    expect(mesh.inbound.items[0]!.jobId).toContain(ev.event_id);
    const again = await fake.send(ev, { retryAttempt: 1, retryReason: 'timeout' });
    expect(typeof again.envelope_id).toBe('string');
    await sleep(400);
    expect(mesh.inbound.items).toHaveLength(1);
  });

  test('GIVEN a reply on outbound-slack THEN it is posted with chat.postMessage; /healthz and /metrics are served on slack.port, no /slack/events', async () => {
    mesh = await startSlackMesh({ socketMode: true });
    const { fake, bot } = mesh;
    await mesh.reply({ parts: ['hi from the brain'] });
    const call = await fake.waitForCall('chat.postMessage');
    expect(call.args).toMatchObject({ channel: fake.dmChannel, text: 'hi from the brain' });
    expect(call.token).toBe(fake.botToken);
    const health = await fetch(`${bot.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', checks: { redis: { ok: true } } });
    await fake.send(fake.dm('count me'));
    await mesh.inbound.waitFor(1);
    expect(await (await fetch(`${bot.url}/metrics`)).text()).toMatch(/helix_slack_events_total\{[^}]*outcome="accepted"[^}]*\} 1/);
    expect((await fetch(`${bot.url}/slack/events`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  test('GIVEN Redis is down THEN the envelope is not acked (Slack redelivers)', async () => {
    await using fake = await startFakeSlack();
    const deadRedis = 'redis://127.0.0.1:1';
    const config = testConfig(testPrefix(), {
      redis: { url: deadRedis },
      slack: { botToken: fake.botToken, appToken: fake.appToken, socketMode: true, apiUrl: fake.apiUrl, port: 0 },
    });
    await using _bot = await startSlackBot({ config, redisUrl: deadRedis, log: createLogger('slack', 'silent') });
    await fake.waitForSocket();
    await expect(fake.send(fake.dm('anyone there?'), { ackTimeoutMs: 3_500 })).rejects.toThrow();
  }, 20_000);

  test('GIVEN socketMode without an app token THEN the config is refused, naming slack.appToken', () => {
    const r = HelixConfig.safeParse({ slack: { socketMode: true, botToken: 'xoxb-1' } });
    expect(r.success).toBe(false);
    expect(r.error?.issues.some((i) => i.path.join('.') === 'slack.appToken' && /socketMode/.test(i.message))).toBe(true);
    expect(HelixConfig.safeParse({ slack: { socketMode: true, appToken: 'xoxb-wrong' } }).success).toBe(false);
    expect(HelixConfig.parse({}).slack.socketMode).toBe(false);
  });
});
