import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { HELIX_BACKOFF, TURNS_QUEUE, TurnJob, type Platform } from '../mesh/index.ts';
import { FAILED_TURN_JOBS_KEPT_SEC, conversationKey, turnJobId } from './conversation-mailbox.ts';

/** Adds the (one) turn job of a conversation's mailbox generation. Idempotent: the job id is the generation. */
export class TurnScheduler {
  readonly queue: Queue;

  constructor(connection: Redis, prefix: string) {
    this.queue = new Queue(TURNS_QUEUE, { connection, prefix });
    // Connection errors surface on the schedule() that hits them.
    this.queue.on('error', () => {});
  }

  async schedule(platform: Platform, conversationId: string, gen: number, delayMs: number): Promise<void> {
    const data = TurnJob.parse({ v: 1, platform, conversationId, gen });
    await this.queue.add('turn', data, {
      jobId: turnJobId(conversationKey(platform, conversationId), gen),
      delay: Math.max(0, Math.round(delayMs)),
      attempts: 5,
      backoff: { type: HELIX_BACKOFF, delay: 1_000 },
      removeOnComplete: { age: 3_600, count: 10_000 },
      removeOnFail: { age: FAILED_TURN_JOBS_KEPT_SEC },
    });
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
