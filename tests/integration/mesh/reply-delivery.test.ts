// The outbound consumer every platform but the web console uses (real Redis, real BullMQ): finals reach the
// platform's deliver with a logger carrying the reply's trace, drafts are counted as skipped, and a bad payload
// is dead-lettered while the replies around it are still delivered.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, test } from 'vitest';
import {
  DeadLetters, createLogger, newTraceparent, outboundJobOptions, outboundQueue, startReplyDelivery, traceIdOf, type OutboundReply, type OutboundReplyInput,
} from '../../../mesh/index.ts';
import { REDIS_URL, deadLettersOf, dropPrefix, eventually, testPrefix } from '../../helpers/mesh-harness.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const reply = (replyId: string, patch: Partial<OutboundReplyInput> = {}): OutboundReplyInput => ({
  v: 1, platform: 'slack', replyId, conversation: { id: 'C1', kind: 'dm' }, parts: [`text of ${replyId}`],
  traceparent: newTraceparent(), createdAt: new Date().toISOString(), ...patch,
});

describe('startReplyDelivery', () => {
  test('GIVEN a final, a draft and a malformed reply THEN the final is delivered with its trace, the draft is skipped and the malformed one is dead-lettered', async () => {
    const prefix = testPrefix();
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue(outboundQueue('slack'), { connection: redis, prefix });
    const lines: string[] = [];
    const delivered: Array<{ reply: OutboundReply; traceId: unknown }> = [];
    let skipped = 0;
    const consumer = startReplyDelivery({
      platform: 'slack',
      wiring: { connection: redis, prefix, deadLetters: new DeadLetters(redis, prefix), concurrency: 1, log: createLogger('slack', 'info', { write: (line: string) => void lines.push(line) }) },
      defaultConcurrency: 8,
      skipped: () => void skipped++,
      async deliver(r, _job, log) {
        log.info('delivering');
        delivered.push({ reply: r, traceId: (JSON.parse(lines.at(-1)!) as { trace_id?: unknown }).trace_id });
        return { outcome: 'posted' };
      },
    });
    cleanups.push(() => dropPrefix(prefix), () => redis.quit(), () => queue.close(), () => consumer.close());

    const first = reply('r-1');
    await queue.add('reply', first, outboundJobOptions('r-1', 'final'));
    await queue.add('reply', reply('r-2', { kind: 'draft' }), outboundJobOptions('r-2', 'draft'));
    await queue.add('reply', { ...reply('r-3'), parts: 'not a list' }, outboundJobOptions('r-3', 'final'));
    await queue.add('reply', reply('r-4'), outboundJobOptions('r-4', 'final'));

    await eventually(async () => delivered.length === 2 && (await deadLettersOf(prefix)).length === 1, 10_000, 'two deliveries and a dead letter');
    expect(delivered.map((d) => d.reply.replyId)).toEqual(['r-1', 'r-4']);
    expect(delivered[0]!.traceId).toBe(traceIdOf(first.traceparent));
    expect(skipped).toBe(1);
    expect(await deadLettersOf(prefix)).toMatchObject([{ jobId: 'r-3', code: 'payload_invalid' }]);
  });

  test('GIVEN a bot\'s wiring with or without a concurrency THEN its own is used, else the platform\'s default', async () => {
    const prefix = testPrefix();
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const wiring = { connection: redis, prefix, deadLetters: new DeadLetters(redis, prefix), log: createLogger('x', 'silent') };
    const start = (w: typeof wiring & { concurrency?: number }) => startReplyDelivery({ platform: 'x', wiring: w, defaultConcurrency: 2, skipped: () => {}, deliver: async () => ({}) });
    const [own, byDefault] = [start({ ...wiring, concurrency: 5 }), start(wiring)];
    cleanups.push(() => dropPrefix(prefix), () => redis.quit(), () => own.close(), () => byDefault.close());
    expect(own.worker.concurrency).toBe(5);
    expect(byDefault.worker.concurrency).toBe(2);
  });
});
