// When the inbound queue is unreachable the Events API request is answered 5xx, so Slack retries it.
import { expect, test } from 'vitest';
import { startSlackBot } from '../../../bots/slack/slack-bot.ts';
import { createLogger } from '../../../mesh/index.ts';
import { startFakeSlack } from '../../fakes/slack/index.ts';
import { testConfig, testPrefix } from '../../helpers/mesh-harness.ts';

test('GIVEN Redis is down THEN a signed DM is answered 500 (not acknowledged)', async () => {
  await using fake = await startFakeSlack();
  const deadRedis = 'redis://127.0.0.1:1';
  const config = testConfig(testPrefix(), { redis: { url: deadRedis }, slack: { botToken: fake.botToken, signingSecret: fake.signingSecret, apiUrl: fake.apiUrl, port: 0 } });
  await using bot = await startSlackBot({ config, redisUrl: deadRedis, log: createLogger('slack', 'silent') });
  const r = await fake.deliver(bot.eventsUrl, fake.dm('anyone there?'));
  expect(r.status).toBeGreaterThanOrEqual(500);
  expect(r.timedOut).toBe(false);
}, 20_000);
