import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, test } from 'vitest';
import { TURNS_QUEUE } from '../../../mesh/index.ts';
import { startFakeOpenAi } from '../../fakes/llm/index.ts';
import { InboundProducer, OutboundCollector, REDIS_URL, dropPrefix, eventually, makeTurn, startTestBrain, testConfig, testPrefix } from '../../helpers/mesh-harness.ts';
import { startPrivateRedis } from '../../helpers/private-redis.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const ROOT = new URL('../../../', import.meta.url).pathname;

/** Starts `node brain/main.ts` as its own process, configured only through the environment. */
function spawnBrain(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['brain/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env, HELIX_CONFIG: '/dev/null' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

describe('a crashed brain', () => {
  test.each([
    ['answered at intake (no quiet window)', '0', 0],
    ['answered by the turn worker (after a quiet window)', '100', 1],
  ])('GIVEN kill -9 of the brain in the middle of a turn %s WHEN a brain starts again THEN the turn completes with one reply', async (_how, quietMs, turnJobsBeforeKill) => {
    const prefix = testPrefix();
    const model = await startFakeOpenAi();
    cleanups.push(() => model.close(), () => dropPrefix(prefix));
    model.setDelay(60_000);
    const env = {
      HELIX_REDIS__URL: REDIS_URL,
      HELIX_REDIS__PREFIX: prefix,
      HELIX_STORE__DATA_DIR: mkdtempSync(join(tmpdir(), 'helix-brain-')),
      HELIX_BRAIN__PORT: '0',
      HELIX_BRAIN__BURST__QUIET_MS: quietMs,
      HELIX_BRAIN__LOCK_DURATION_MS: '1500',
      HELIX_BRAIN__STALLED_INTERVAL_MS: '1000',
      HELIX_LLM__PROVIDER: 'openai',
      HELIX_LLM__OPENAI__BASE_URL: `${model.url}/v1`,
      HELIX_LLM__OPENAI__API_KEY: 'test-key',
      HELIX_LLM__MAX_RETRIES: '0',
      HELIX_LOG__LEVEL: 'warn',
    };
    const first = spawnBrain(env);
    cleanups.push(async () => first.kill('SIGKILL'));
    const producer = new InboundProducer(prefix);
    const collector = new OutboundCollector(prefix, 'web');
    cleanups.push(() => producer.close(), () => collector.close());
    const turn = makeTurn({ text: 'are you still there?' });
    await producer.send(turn);
    // A brand-new data directory is created first (initdb + migrations: ~10 s on a quiet 2-core box).
    await eventually(() => model.requests.length === 1, 90_000, 'the model call to start');
    const turnJobs = new Queue(TURNS_QUEUE, { connection: new Redis(REDIS_URL), prefix });
    cleanups.push(() => turnJobs.close());
    expect(Object.values(await turnJobs.getJobCounts('active', 'wait', 'delayed', 'completed')).reduce((a, b) => a + b, 0)).toBe(turnJobsBeforeKill);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));

    model.setDelay(0);
    const second = spawnBrain(env);
    cleanups.push(async () => {
      second.kill('SIGTERM');
      await new Promise((r) => second.once('exit', r));
    });
    const [reply] = await collector.waitForFinals(1, 60_000);
    expect(reply!.inReplyTo).toBe(turn.eventId);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(collector.finals).toHaveLength(1);
    // The second brain took the stalled turn over and asked the model again: the first call died with its process.
    expect(model.requests).toHaveLength(2);
  }, 180_000);
});

describe('a restarted Redis (AOF on)', () => {
  test('GIVEN turns accepted while no brain runs WHEN Redis restarts before they are processed THEN every turn is answered once', async () => {
    const redis = await startPrivateRedis();
    const prefix = testPrefix();
    const model = await startFakeOpenAi();
    cleanups.push(() => redis.stop(), () => model.close());
    const producer = new InboundProducer(prefix, new Redis(redis.url, { maxRetriesPerRequest: null }));
    const turns = ['one', 'two', 'three'].map((c) => makeTurn({ conversationId: c }));
    for (const t of turns) await producer.send(t);
    await producer.close();

    await redis.restart();

    const config = testConfig(prefix, { redis: { url: redis.url }, llm: { provider: 'openai', openai: { baseUrl: `${model.url}/v1`, apiKey: 'k', model: 'fake' } } });
    const brain = await startTestBrain(config);
    const collector = new OutboundCollector(prefix, 'web', new Redis(redis.url, { maxRetriesPerRequest: null }));
    cleanups.push(() => collector.close(), () => brain.close());
    const finals = await collector.waitForFinals(3, 15_000);
    expect(new Set(finals.map((f) => f.inReplyTo))).toEqual(new Set(turns.map((t) => t.eventId)));

    // Now with the brain running: Redis restarts while turns are in flight; the brain reconnects and finishes them.
    model.setDelay(400);
    const producer2 = new InboundProducer(prefix, new Redis(redis.url, { maxRetriesPerRequest: null }));
    cleanups.push(() => producer2.close());
    const more = ['four', 'five', 'six'].map((c) => makeTurn({ conversationId: c }));
    for (const t of more) await producer2.send(t);
    await eventually(() => model.requests.length >= 4, 5_000, 'a turn in flight');
    await redis.restart();
    await collector.waitForFinals(6, 30_000);
    await new Promise((r) => setTimeout(r, 1_000));
    const ids = collector.finals.map((f) => f.inReplyTo);
    expect(new Set(ids)).toEqual(new Set([...turns, ...more].map((t) => t.eventId)));
    expect(ids).toHaveLength(6);
  }, 60_000);
});
