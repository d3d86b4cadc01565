import type { Redis } from 'ioredis';
import { z } from 'zod';
import { INBOUND_QUEUE, Platform, TURNS_QUEUE, TurnJob, type Logger } from '../mesh/index.ts';
import { conversationKey, type ConversationMailbox, type ReclaimResult } from './conversation-mailbox.ts';
import type { TurnRunner } from './turn-runner.ts';
import type { TurnScheduler } from './turn-scheduler.ts';

export interface AbandonedTurnSweepOptions {
  redis: Redis;
  prefix: string;
  log: Logger;
  mailbox: ConversationMailbox;
  runner: TurnRunner;
  scheduler: TurnScheduler;
  /** Time between sweeps (the brain uses `brain.stalledIntervalMs`: stalled jobs fail for good on that beat). */
  intervalMs: number;
  /**
   * How far back the first sweep (one interval after start) looks: a brain started after all others died finds
   * what they left. Older failures are left to the person's next message, which frees the
   * conversation all the same: an apology days late is noise. @defaultValue one day
   */
  lookbackMs?: number;
}

export interface AbandonedTurnSweep {
  /** Sweeps once now (the timer's sweeps and this one never overlap); resolves to the conversations freed. */
  sweep(): Promise<number>;
  /** Stops the timer and waits for a sweep in progress. Idempotent. */
  close(): Promise<void>;
}

/** Failed jobs looked at per queue and sweep; a larger backlog is taken over the next sweeps. */
const MAX_PER_SWEEP = 500;
/** Failed-set scores are the failing process's clock: look back this much more, for brains whose clocks differ. */
const CLOCK_SKEW_MS = 60_000;
const DAY_MS = 86_400_000;
/** What the sweep reads of an intake job's data: which conversation it was answering. */
const IntakeJobData = z.object({ platform: Platform, conversation: z.object({ id: z.string().min(1) }) });

/**
 * Frees conversations whose live turn nobody will answer, without waiting for the person to write again. A
 * job that fails for good without freeing its conversation (it stalled past its limit because its brains kept
 * dying, or ran out of attempts on Redis errors) ends in its queue's failed set, and BullMQ says so only on its
 * events stream. Every `intervalMs` this reads the failed sets of the turn and intake queues since the last
 * sweep and asks the mailbox about each job's conversation ({@link ConversationMailbox.reclaim}): a pinned batch
 * is dead-lettered with the apology, as intake does when the next message finds it; an unpinned generation
 * is reopened and its turn job added. Every brain sweeps; the mailbox's answer is atomic and repeats safely.
 */
export function startAbandonedTurnSweep(opts: AbandonedTurnSweepOptions): AbandonedTurnSweep {
  const queues = [
    { name: TURNS_QUEUE, since: Date.now() - (opts.lookbackMs ?? DAY_MS) },
    { name: INBOUND_QUEUE, since: Date.now() - (opts.lookbackMs ?? DAY_MS) },
  ];
  let running: Promise<number> | undefined;
  let closed = false;
  const timer = setInterval(() => void tick(), opts.intervalMs);
  timer.unref();

  async function tick(): Promise<void> {
    if (closed || running) return;
    try {
      await sweep();
    } catch (err) {
      opts.log.warn({ err: (err as Error).message }, 'abandoned-turn sweep failed; retried on the next one');
    }
  }

  function sweep(): Promise<number> {
    running ??= (async () => {
      try {
        let freed = 0;
        for (const q of queues) freed += await sweepQueue(q);
        return freed;
      } finally {
        running = undefined;
      }
    })();
    return running;
  }

  async function sweepQueue(q: { name: string; since: number }): Promise<number> {
    const started = Date.now();
    const key = `${opts.prefix}:${q.name}:`;
    const flat = await opts.redis.zrangebyscore(`${key}failed`, q.since - CLOCK_SKEW_MS, '+inf', 'WITHSCORES', 'LIMIT', 0, MAX_PER_SWEEP);
    const ids = flat.filter((_, i) => i % 2 === 0);
    // A full page: the rest is taken from the last score seen (jobs of the same millisecond are asked about twice, harmlessly).
    const next = ids.length === MAX_PER_SWEEP ? Number(flat.at(-1)) + CLOCK_SKEW_MS : started;
    if (ids.length === 0) {
      q.since = next;
      return 0;
    }
    const pipeline = opts.redis.pipeline();
    for (const id of ids) pipeline.hget(`${key}${id}`, 'data');
    const datas = ((await pipeline.exec()) ?? []).map(([err, data]) => (err ? null : (data as string | null)));
    let freed = 0;
    for (const [i, id] of ids.entries()) {
      const data = parseJson(datas[i]);
      if (q.name === TURNS_QUEUE) {
        const job = TurnJob.safeParse(data);
        if (job.success && (await free(job.data.platform, job.data.conversationId, { gen: job.data.gen }, id))) freed++;
      } else {
        const job = IntakeJobData.safeParse(data);
        if (job.success && (await free(job.data.platform, job.data.conversation.id, { hereJob: id }, id))) freed++;
      }
    }
    // Moved on only once every job was asked about: a sweep that failed half-way (Redis away) is repeated whole.
    q.since = next;
    return freed;
  }

  /** Asks the mailbox about one failed job's conversation and acts on the answer; true when the conversation was freed. */
  async function free(platform: Platform, conversationId: string, failed: { gen: number } | { hereJob: string }, jobId: string): Promise<boolean> {
    const result: ReclaimResult = await opts.mailbox.reclaim(conversationKey(platform, conversationId), failed, Date.now());
    if (result.status === 'abandoned') {
      await opts.runner.abandon({ platform, conversationId, gen: result.gen }, result.batch, Date.now());
      return true;
    }
    if (result.status === 'reopened') {
      await opts.scheduler.schedule(platform, conversationId, result.gen, 0);
      opts.log.warn({ platform, conversation: conversationId, job_id: jobId, gen: result.gen }, 'turn whose job failed for good before taking its messages: scheduled again');
      return true;
    }
    if (result.status === 'freed') {
      opts.log.warn({ platform, conversation: conversationId, job_id: jobId }, 'conversation freed from a turn whose job failed for good; nothing was waiting');
      return true;
    }
    return false;
  }

  return {
    sweep,
    async close() {
      closed = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}

function parseJson(raw: string | null | undefined): unknown {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
