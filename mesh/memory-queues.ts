import { createHash } from 'node:crypto';
import type { JobsOptions } from 'bullmq';
import { z } from 'zod';
import { Platform } from './platform.ts';
import { HELIX_BACKOFF } from './queues.ts';

/** Background memory consolidation (summaries and fact extraction), on its own queue so turns never wait for it. */
export const MEMORY_CONSOLIDATION_QUEUE = 'memory-consolidation';

/** Consolidate what one person said in one conversation since the last consolidation. */
export const MemoryConsolidationJob = z.object({
  /** The Helix person (a UUID), never a platform account id. */
  personId: z.uuid(),
  platform: Platform,
  conversationId: z.string().min(1).max(512),
  /** Why it was queued. */
  reason: z.enum(['threshold', 'idle', 'manual']),
  requestedAt: z.iso.datetime(),
});
export type MemoryConsolidationJob = z.infer<typeof MemoryConsolidationJob>;

/**
 * Job id and options for a consolidation job. One job per person, conversation and minute: a burst of
 * triggers collapses into one job, and a later trigger makes a new one.
 */
export function memoryConsolidationJobOptions(job: MemoryConsolidationJob): JobsOptions {
  const minute = Math.floor(Date.parse(job.requestedAt) / 60_000);
  const where = createHash('sha256').update(`${job.platform}\n${job.conversationId}`).digest('hex').slice(0, 16);
  return {
    jobId: `memc-${job.personId}-${where}-${minute}`,
    attempts: 5,
    backoff: { type: HELIX_BACKOFF, delay: 2_000 },
    removeOnComplete: { age: 3_600 },
    removeOnFail: { age: 7 * 86_400 },
  };
}
