// The alert receivers over real Redis: 401 without the token, 400 for what is not a notification, 413 past the
// body limit, 503 when Redis is down, 200 only once the notification is on ops-alerts.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, test } from 'vitest';
import { OPS_ALERTS_QUEUE, OpsAlertBatch, createLogger } from '../../../mesh/index.ts';
import { startOps, type RunningOps } from '../../../ops/ops-service.ts';
import type { Store } from '../../../store/index.ts';
import { openTestStore } from './test-store.ts';
import { REDIS_URL, dropPrefix, eventually, testConfig, testPrefix } from '../../helpers/mesh-harness.ts';
import { startPrivateRedis, type PrivateRedis } from '../../helpers/private-redis.ts';
import { TOKEN, amWebhook } from './harness.ts';

let ops: RunningOps | undefined;
let store: Store | undefined;
let prefix = '';
let redis: PrivateRedis | undefined;
afterEach(async () => {
  await ops?.close();
  await redis?.stop();
  redis = undefined;
  await store?.close();
  if (prefix) await dropPrefix(prefix);
  ops = undefined;
  store = undefined;
});

async function start(redisUrl = REDIS_URL, extra: Record<string, unknown> = {}): Promise<RunningOps> {
  prefix = testPrefix();
  store = await openTestStore();
  const config = testConfig(prefix, { ops: { port: 0, receiverToken: TOKEN, maxBodyBytes: 4_096, ...extra } });
  // Consumers run too: the test reads the queue's jobs before they are handled by looking at the waiting + completed sets.
  ops = await startOps({ config, redisUrl, log: createLogger('ops', 'silent'), store });
  return ops;
}

const post = (o: RunningOps, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }, path = '/alertmanager') =>
  o.app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

async function queuedBatches(): Promise<OpsAlertBatch[]> {
  const conn = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const q = new Queue(OPS_ALERTS_QUEUE, { connection: conn, prefix });
  try {
    const jobs = await q.getJobs(['waiting', 'active', 'completed', 'delayed', 'failed'], 0, 100);
    return jobs.map((j) => OpsAlertBatch.parse(j.data));
  } finally {
    await q.close();
    conn.disconnect();
  }
}

describe('ops receivers', () => {
  test('GIVEN no token or a wrong token THEN 401 and nothing is queued; basic auth works when configured', async () => {
    const o = await start(REDIS_URL, { receiverBasicAuth: 'alertmanager:correct-horse' });
    const body = amWebhook('{}:{alertname="A"}', [{ fingerprint: 'aaaaaaaaaaaaaaaa' }]);
    expect((await post(o, body, {})).status).toBe(401);
    expect((await post(o, body, { authorization: 'Bearer wrong-token-wrong-token' })).status).toBe(401);
    expect((await post(o, body, { authorization: `Basic ${Buffer.from('alertmanager:wrong-pass').toString('base64')}` })).status).toBe(401);
    expect((await post(o, body, {}, '/grafana')).status).toBe(401);
    expect(await queuedBatches()).toEqual([]);
    const ok = await post(o, body, { authorization: `Basic ${Buffer.from('alertmanager:correct-horse').toString('base64')}` });
    expect(ok.status).toBe(200);
    expect(await queuedBatches()).toHaveLength(1);
  });

  test('GIVEN malformed JSON or a body that is not a notification THEN 400 with the reason; a valid one is 200 and queued once', async () => {
    const o = await start();
    const bad = await post(o, '{"version": "4", ');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'malformed_json' });
    const wrong = await post(o, { version: '3', groupKey: 'x', alerts: [] });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: 'not_a_notification' });
    const grafanaAsAm = await post(o, { ...amWebhook('g', [{ fingerprint: 'f1' }]), version: '1' });
    expect(grafanaAsAm.status).toBe(400);
    expect(await queuedBatches()).toEqual([]);

    const body = amWebhook('{}:{alertname="A"}', [{ fingerprint: 'aaaaaaaaaaaaaaaa' }]);
    expect((await post(o, body)).status).toBe(200);
    expect((await post(o, body)).status).toBe(200); // Alertmanager re-sends: still one job
    const grafana = await post(o, { ...body, version: '1', orgId: 1, state: 'alerting', title: '[FIRING:1] A', message: 'm' }, undefined, '/grafana');
    expect(grafana.status).toBe(200);
    const batches = await queuedBatches();
    expect(batches.map((b) => b.source).sort()).toEqual(['alertmanager', 'grafana']);
  });

  test('GIVEN a body over ops.maxBodyBytes THEN 413 and nothing is queued', async () => {
    const o = await start();
    const body = amWebhook('{}:{alertname="A"}', [{ fingerprint: 'aaaaaaaaaaaaaaaa', annotations: { description: 'x'.repeat(10_000) } }]);
    const res = await post(o, body);
    expect(res.status).toBe(413);
    expect(await queuedBatches()).toEqual([]);
  });

  test('GIVEN Redis goes down THEN 503 (so Alertmanager retries), not 2xx; once it is back, 200', async () => {
    redis = await startPrivateRedis();
    const o = await start(redis.url);
    const body = amWebhook('{}:{alertname="A"}', [{ fingerprint: 'aaaaaaaaaaaaaaaa' }]);
    await redis.down();
    const started = Date.now();
    const res = await post(o, body);
    expect(res.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await res.json()).toMatchObject({ error: 'queue_unavailable' });
    await redis.up();
    await eventually(async () => (await post(o, body)).status === 200, 20_000, 'the receiver to accept again');
  }, 60_000);

  test('GIVEN the receiver over a real socket THEN Alertmanager-style requests work end to end', async () => {
    const o = await start();
    const res = await fetch(`${o.url}/alertmanager`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'user-agent': 'Alertmanager/0.25.0' }, body: JSON.stringify(amWebhook('{}:{alertname="S"}', [{ fingerprint: 'bbbbbbbbbbbbbbbb' }])) });
    expect(res.status).toBe(200);
    const health = await fetch(`${o.url}/healthz`);
    expect(health.status).toBe(200);
    const metrics = await (await fetch(`${o.url}/metrics`)).text();
    expect(metrics).toContain('helix_ops_webhooks_total{source="alertmanager",outcome="queued",role="ops"} 1');
  });
});
