// Malformed jobs on every queue ops consumes (ops-alerts, ops-actions, ops-timers, ops-health) are dead-lettered
// with the reason, and the next good alert or health question is still served.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, test } from 'vitest';
import { OPS_ACTIONS_QUEUE, OPS_ALERTS_QUEUE, OPS_HEALTH_QUEUE, OPS_TIMERS_QUEUE, createLogger } from '../../../mesh/index.ts';
import { OpsHealthClient } from '../../../brain/health/ops-health-client.ts';
import { REDIS_URL, deadLettersOf, eventually } from '../../helpers/mesh-harness.ts';
import { amWebhook, postWebhook, startOpsMesh, type OpsMesh } from './harness.ts';

let mesh: OpsMesh | undefined;
afterEach(async () => {
  await mesh?.cleanup();
  mesh = undefined;
});

describe('ops consumers: bad input', () => {
  test('GIVEN malformed jobs on ops-alerts, ops-actions and ops-timers THEN each is dead-lettered with the reason and a good alert still makes its incident message', async () => {
    mesh = await startOpsMesh();
    const prefix = mesh.discord.prefix;
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const queues = [OPS_ALERTS_QUEUE, OPS_ACTIONS_QUEUE, OPS_TIMERS_QUEUE].map((name) => new Queue(name, { connection: redis, prefix }));
    try {
      for (const [i, q] of queues.entries()) await q.add('bad', { v: 1, nonsense: true, n: i }, { jobId: `bad-job-${i}` });
      expect((await postWebhook(mesh.ops, amWebhook('{}:{alertname="AfterBad"}', [{ fingerprint: 'b2b2b2b2b2b2b2b2' }], { alertname: 'AfterBad', severity: 'error' }))).status).toBe(200);
      await eventually(() => mesh!.messages().some((m) => JSON.stringify(m).includes('AfterBad')), 20_000, 'the good incident message');
      await eventually(async () => (await deadLettersOf(prefix)).filter((d) => d.jobId?.startsWith('bad-job-')).length === 3, 20_000, 'three dead letters');
      const dls = (await deadLettersOf(prefix)).filter((d) => d.jobId?.startsWith('bad-job-'));
      expect(new Set(dls.map((d) => d.queue))).toEqual(new Set([OPS_ALERTS_QUEUE, OPS_ACTIONS_QUEUE, OPS_TIMERS_QUEUE]));
      for (const d of dls) expect(d).toMatchObject({ code: 'payload_invalid', reason: expect.any(String) });
    } finally {
      await Promise.all(queues.map((q) => q.close()));
      await redis.quit();
    }
  }, 120_000);

  test('GIVEN malformed health questions on ops-health THEN each is dead-lettered with the reason and a good question next to them gets its snapshot', async () => {
    mesh = await startOpsMesh();
    const prefix = mesh.discord.prefix;
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const questions = new Queue(OPS_HEALTH_QUEUE, { connection: redis, prefix });
    const client = new OpsHealthClient({ connection: redis, prefix, log: createLogger('brain', 'silent'), timeoutMs: 10_000 });
    try {
      await questions.add('bad', { v: 2, askedAt: 'yesterday' }, { jobId: 'bad-health-0' });
      await questions.add('bad', 'not even an object', { jobId: 'bad-health-1' });
      const answer = await client.ask();
      expect(answer).toMatchObject({ ok: true, snapshot: { v: 1, incidents: { open: 0 } } });
      await eventually(async () => (await deadLettersOf(prefix)).filter((d) => d.jobId?.startsWith('bad-health-')).length === 2, 20_000, 'two dead letters');
      for (const d of (await deadLettersOf(prefix)).filter((x) => x.jobId?.startsWith('bad-health-'))) {
        expect(d).toMatchObject({ queue: OPS_HEALTH_QUEUE, code: 'payload_invalid', reason: expect.any(String) });
      }
    } finally {
      await client.close();
      await questions.close();
      await redis.quit();
    }
  }, 120_000);
});
