import { Writable } from 'node:stream';
import { afterEach, describe, expect, test } from 'vitest';
import { createLogger, traceIdOf } from '../../../mesh/index.ts';
import { startFakeOpenAi } from '../../fakes/llm/index.ts';
import { startPrivateRedis } from '../../helpers/private-redis.ts';
import { InboundProducer, OutboundCollector, dropPrefix, eventually, makeTurn, startTestBrain, testConfig, testPrefix } from '../../helpers/mesh-harness.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/** The value of one Prometheus sample whose labels include `labels` (in any order). */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('brain observability', () => {
  test('GIVEN a turn THEN /healthz is ok, /metrics shows turns, latency and queue depth, and the trace id follows the message into the reply and the logs', async () => {
    const prefix = testPrefix();
    const model = await startFakeOpenAi();
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const config = testConfig(prefix, { llm: { provider: 'openai', openai: { baseUrl: `${model.url}/v1`, apiKey: 'sk-secret-key', model: 'fake' } } });
    const brain = await startTestBrain(config, { log: createLogger('brain', 'debug', sink), serveHttp: true });
    const producer = new InboundProducer(prefix);
    const collector = new OutboundCollector(prefix, 'web');
    cleanups.push(() => model.close(), () => dropPrefix(prefix), () => brain.close(), () => producer.close(), () => collector.close());

    const health = await fetch(`${brain.http!.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', checks: { redis: { ok: true }, store: { ok: true } } });

    const turn = makeTurn({ text: 'trace me' });
    await producer.send(turn);
    await producer.send({ bad: true }, 'web-bad-metrics');
    const [reply] = await collector.waitForFinals(1);
    expect(traceIdOf(reply!.traceparent)).toBe(traceIdOf(turn.traceparent));
    expect(reply!.traceparent).not.toBe(turn.traceparent);

    await eventually(async () => (await (await fetch(`${brain.http!.url}/metrics`)).text()).includes('helix_dead_letters_total{queue="inbound",code="payload_invalid"'), 5_000, 'dead letter metric');
    const metrics = await (await fetch(`${brain.http!.url}/metrics`)).text();
    expect(sample(metrics, 'helix_turns_total', { platform: 'web', outcome: 'answered', role: 'brain' })).toBe(1);
    expect(sample(metrics, 'helix_turn_seconds_count', { platform: 'web' })).toBe(1);
    expect(sample(metrics, 'helix_model_seconds_count', { provider: 'openai' })).toBe(1);
    expect(sample(metrics, 'helix_queue_depth', { queue: 'dead-letter', state: 'wait' })).toBe(1);
    expect(sample(metrics, 'helix_queue_depth', { queue: 'inbound', state: 'wait' })).toBe(0);
    expect(sample(metrics, 'helix_process_resident_memory_bytes', {})).toBeGreaterThan(0);

    const traced = lines.filter((l) => l.trace_id === traceIdOf(turn.traceparent)).map((l) => l.msg);
    expect(traced).toContain('turn answered');
    expect(JSON.stringify(lines)).not.toContain('sk-secret-key');
  });

  test('GIVEN Redis restarts under a running brain THEN /healthz is 200 again once it is back', async () => {
    const redis = await startPrivateRedis();
    const prefix = testPrefix();
    const brain = await startTestBrain(testConfig(prefix, { redis: { url: redis.url } }), { serveHttp: true });
    cleanups.push(() => redis.stop(), () => brain.close());
    expect((await fetch(`${brain.http!.url}/healthz`)).status).toBe(200);
    await redis.restart();
    // Immediately after the restart the connection may still be re-establishing; either way it must come back to 200.
    await eventually(async () => (await fetch(`${brain.http!.url}/healthz`)).status === 200, 10_000, 'healthy again');
  });

  test('GIVEN Redis is down THEN /healthz answers 503 with the redis check failing and the store check passing', async () => {
    const redis = await startPrivateRedis();
    const prefix = testPrefix();
    const brain = await startTestBrain(testConfig(prefix, { redis: { url: redis.url } }), { serveHttp: true });
    cleanups.push(() => brain.close());
    await redis.stop();
    const res = await fetch(`${brain.http!.url}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'unhealthy', checks: { redis: { ok: false }, store: { ok: true } } });
  });
});
