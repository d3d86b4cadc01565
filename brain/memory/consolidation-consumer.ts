import type { Redis } from 'ioredis';
import type { PersonId } from '../../identity/index.ts';
import { MEMORY_CONSOLIDATION_QUEUE, MemoryConsolidationJob, startConsumer, type DeadLetters, type Logger, type MeshConsumer, type ProcessMetrics } from '../../mesh/index.ts';
import { consolidateConversation, type ConsolidationOptions } from './consolidate.ts';
import type { MemoryStore } from './memory-store.ts';

export interface ConsolidationConsumerOptions extends Omit<ConsolidationOptions, 'signal'> {
  memory: MemoryStore;
  /** A worker-role connection (`createRedis(url, 'worker')`). */
  connection: Redis;
  prefix: string;
  log: Logger;
  deadLetters: DeadLetters;
  metrics?: ProcessMetrics;
  /** @defaultValue `1` */
  concurrency?: number;
}

/**
 * Runs consolidation jobs from {@link MEMORY_CONSOLIDATION_QUEUE} with the mesh discipline: a malformed job is
 * dead-lettered with the zod reason (never retried); a failing one is retried, then dead-lettered.
 */
export function startConsolidationConsumer(o: ConsolidationConsumerOptions): MeshConsumer {
  return startConsumer({
    queue: MEMORY_CONSOLIDATION_QUEUE,
    schema: MemoryConsolidationJob,
    connection: o.connection,
    prefix: o.prefix,
    log: o.log,
    deadLetters: o.deadLetters,
    ...(o.metrics ? { metrics: o.metrics } : {}),
    concurrency: o.concurrency ?? 1,
    async handle(job, _bullJob, signal) {
      const outcome = await consolidateConversation(o.memory, { personId: job.personId as PersonId, platform: job.platform, conversationId: job.conversationId }, { ...o, ...(signal ? { signal } : {}) });
      o.log.info({ queue: MEMORY_CONSOLIDATION_QUEUE, person_id: job.personId, ...outcome }, 'memory consolidated');
      return outcome;
    },
  });
}
