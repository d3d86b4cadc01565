// The webhook endpoint in memory (Hono app.request) with a real Redis-backed intake.
import { createHmac } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TurnIntake } from '../../../../bots/x/turn-intake.ts';
import { signatureMatches, webhookRoutes, xSignature } from '../../../../bots/x/webhook-routes.ts';
import { createXMetrics } from '../../../../bots/x/x-metrics.ts';
import { DeadLetters, INBOUND_QUEUE, createLogger, createProcessMetrics } from '../../../../mesh/index.ts';
import { REDIS_URL, dropPrefix, testPrefix } from '../../../helpers/mesh-harness.ts';

const SECRET = 'consumer-secret';
const me = { id: '1700000000000000001', username: 'helix' };
const prefix = testPrefix();
let redis: Redis;
let inbound: Queue;
let deadLetters: DeadLetters;
let app: ReturnType<typeof webhookRoutes>;

beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  inbound = new Queue(INBOUND_QUEUE, { connection: redis, prefix });
  deadLetters = new DeadLetters(redis, prefix);
  const metrics = createXMetrics(createProcessMetrics('x'));
  const log = createLogger('x', 'silent');
  app = webhookRoutes({ consumerSecret: SECRET, me, dms: false, metrics, log, intake: new TurnIntake({ inbound, deadLetters, dedupeWindowSec: 3600, metrics, log }) });
});
afterAll(async () => {
  await inbound.close();
  await deadLetters.close();
  await redis.quit();
  await dropPrefix(prefix);
});

const post = (raw: string, sig?: string) => app.request('/x/webhook', { method: 'POST', headers: { 'content-type': 'application/json', ...(sig ? { 'x-twitter-webhooks-signature': sig } : {}) }, body: raw });

describe('x webhook routes', () => {
  test('GIVEN the docs\' CRC recipe THEN response_token is sha256= + base64 HMAC-SHA256(consumer secret, token)', async () => {
    const res = await app.request('/x/webhook?crc_token=abc123');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ response_token: `sha256=${createHmac('sha256', SECRET).update('abc123').digest('base64')}` });
  });

  test('GIVEN a signature of another body, a hex signature, or none THEN 401 and nothing queued', async () => {
    const body = JSON.stringify({ for_user_id: me.id, tweet_create_events: [{ id_str: '1800000000000000099', text: '@helix hi', user: { id_str: '42', screen_name: 'ada' }, entities: { user_mentions: [{ id_str: me.id }] } }] });
    expect((await post(body)).status).toBe(401);
    expect((await post(body, xSignature(SECRET, `${body} `))).status).toBe(401);
    expect((await post(body, `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`)).status).toBe(401);
    expect(await inbound.getJobCounts()).toMatchObject({ waiting: 0 });
    const ok = await post(body, xSignature(SECRET, body));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ accepted: true, queued: 1 });
    expect(await inbound.getJob('x-1800000000000000099')).toBeDefined();
  });

  test('GIVEN signatureMatches THEN only the exact header verifies (whitespace trimmed)', () => {
    expect(signatureMatches(SECRET, 'body', xSignature(SECRET, 'body'))).toBe(true);
    expect(signatureMatches(SECRET, 'body', ` ${xSignature(SECRET, 'body')} `)).toBe(true);
    expect(signatureMatches(SECRET, 'body', xSignature('other', 'body'))).toBe(false);
    expect(signatureMatches(SECRET, 'body', undefined)).toBe(false);
  });

  test('GIVEN a body over the size limit THEN 413', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(1024 * 1024 + 10) });
    const res = await app.request('/x/webhook', { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(big.length), 'x-twitter-webhooks-signature': xSignature(SECRET, big) }, body: big });
    expect(res.status).toBe(413);
  });
});
