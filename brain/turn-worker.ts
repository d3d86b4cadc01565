import { DelayedError } from 'bullmq';
import type { Redis } from 'ioredis';
import { TURNS_QUEUE, TurnJob, startConsumer, type DeadLetters, type Logger, type MeshConsumer, type ProcessMetrics } from '../mesh/index.ts';
import { conversationKey, type BurstWindow, type ConversationMailbox } from './conversation-mailbox.ts';
import { MAX_BATCH, type TurnRunner } from './turn-runner.ts';

export interface TurnWorkerOptions {
  connection: Redis;
  prefix: string;
  log: Logger;
  deadLetters: DeadLetters;
  metrics: ProcessMetrics;
  mailbox: ConversationMailbox;
  runner: TurnRunner;
  burst: BurstWindow;
  concurrency: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

/**
 * Consumes `turns`: one live job per conversation, so a conversation's turns run in order and never two
 * at once, while different conversations run in parallel up to `concurrency`.
 */
export function startTurnWorker(opts: TurnWorkerOptions): MeshConsumer {
  return startConsumer({
    queue: TURNS_QUEUE,
    schema: TurnJob,
    connection: opts.connection,
    prefix: opts.prefix,
    log: opts.log,
    deadLetters: opts.deadLetters,
    metrics: opts.metrics,
    concurrency: opts.concurrency,
    worker: {
      maxStalledCount: 5,
      ...(opts.lockDurationMs ? { lockDuration: opts.lockDurationMs } : {}),
      ...(opts.stalledIntervalMs ? { stalledInterval: opts.stalledIntervalMs } : {}),
    },
    async handle(job, bullJob, signal, token) {
      const claim = await opts.mailbox.claim(conversationKey(job.platform, job.conversationId), job.gen, MAX_BATCH, opts.burst, Date.now());
      if (claim.status === 'stale') return { outcome: 'stale' };
      if (claim.status === 'wait') {
        // The burst is still growing: come back when it has been quiet long enough.
        await bullJob.moveToDelayed(claim.untilMs, token);
        throw new DelayedError();
      }
      if (claim.status === 'empty') {
        // Nothing left to answer (all answered by an earlier run): free the conversation, no turn slot needed.
        await opts.runner.release(job, []);
        return { outcome: 'empty' };
      }
      return opts.runner.answer(job, claim, {
        lastAttempt: bullJob.attemptsMade + 1 >= (bullJob.opts.attempts ?? 1),
        attemptsMade: bullJob.attemptsMade,
        queuedAt: bullJob.timestamp,
        signal,
      });
    },
  });
}
