import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  InboundTurn, TURNS_QUEUE, TurnJob, startConsumer, traceLogger,
  type DeadLetters, type Logger, type MeshConsumer, type ProcessMetrics, safePart,
} from '../mesh/index.ts';
import type { BrainMetrics } from './brain-metrics.ts';
import { conversationKey, type BurstWindow, type ClaimedBatch, type ConversationMailbox } from './conversation-mailbox.ts';
import type { ReplySender } from './reply-sender.ts';
import { runStages, type TurnStep } from './turn/run-stages.ts';
import type { TurnContext } from './turn/turn-context.ts';
import type { TurnScheduler } from './turn-scheduler.ts';

/** Said when a turn fails for good (after its retries), so nobody is left waiting in silence. */
export const TURN_FAILED_TEXT = "Sorry, I couldn't answer that just now. Please try again in a little while.";

export interface TurnWorkerOptions {
  connection: Redis;
  prefix: string;
  log: Logger;
  deadLetters: DeadLetters;
  metrics: ProcessMetrics;
  brainMetrics: BrainMetrics;
  mailbox: ConversationMailbox;
  scheduler: TurnScheduler;
  sender: ReplySender;
  /** The turn up to its reply; a step of several stages runs them at once. */
  stages: readonly TurnStep[];
  /**
   * Stages that take the turn in after its reply is sent (emotion, memory writes): the person does not wait
   * for them, the conversation does (its next turn starts once they are done). A retry after one of them
   * failed re-runs the turn, whose recorded reply is re-sent and dropped as a duplicate. @defaultValue `[]`
   */
  afterReply?: readonly TurnStep[];
  burst: BurstWindow;
  concurrency: number;
  turnTimeoutMs: number;
  /** Most messages answered in one turn. @defaultValue `50` */
  maxBatch?: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

/**
 * Consumes `turns`: one live job per conversation, so a conversation's turns run in order and never two
 * at once, while different conversations run in parallel up to `concurrency`.
 */
export function startTurnWorker(opts: TurnWorkerOptions): MeshConsumer {
  const maxBatch = opts.maxBatch ?? 50;
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
      const convKey = conversationKey(job.platform, job.conversationId);
      const claim = await opts.mailbox.claim(convKey, job.gen, maxBatch, opts.burst, Date.now());
      if (claim.status === 'stale') return { outcome: 'stale' };
      if (claim.status === 'wait') {
        // The burst is still growing: come back when it has been quiet long enough.
        await bullJob.moveToDelayed(claim.untilMs, token);
        throw new DelayedError();
      }
      const now = Date.now();
      if (claim.status === 'empty') {
        await scheduleNext(await opts.mailbox.complete(convKey, job.gen, [], now));
        return { outcome: 'empty' };
      }
      const turns = await parseBatch(claim, bullJob);
      const last = turns[turns.length - 1];
      if (!last) {
        // Every entry was invalid (dead-lettered above): nothing to answer.
        await scheduleNext(await opts.mailbox.complete(convKey, job.gen, claim.keys, now));
        return { outcome: 'invalid' };
      }
      const replyId = `r-${safePart(`${last.platform}-${last.eventId}`)}`;
      const log = traceLogger(opts.log, last.traceparent, { platform: last.platform, conversation: last.conversation.id, reply_id: replyId });
      const target = { platform: last.platform, conversation: last.conversation, replyId, inReplyTo: last.eventId, traceparent: last.traceparent };
      const timeout = AbortSignal.timeout(opts.turnTimeoutMs);
      const ctx: TurnContext = {
        turns,
        platform: last.platform,
        conversation: last.conversation,
        replyId,
        log,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        now: new Date(),
        history: [],
        recordedReply: undefined,
        blocks: [],
        messages: [],
        replyText: '',
        replyParts: [],
        onDraft: opts.sender.draftSink(target, (err) => log.warn({ err }, 'draft not sent')),
        people: new Map(),
        directReply: undefined,
        historyText: undefined,
        replyPrivate: false,
        appraisals: [],
      };
      const lastAttempt = bullJob.attemptsMade + 1 >= (bullJob.opts.attempts ?? 1);
      try {
        await runStages(ctx, opts.stages, opts.brainMetrics.stageSeconds);
        await opts.sender.final(target, ctx.replyParts, ctx.replyPrivate ? { private: true } : {});
        // Turn latency is what the person waits: first message received → reply sent (taking it in comes after).
        const firstReceived = Math.min(...turns.map((t) => Date.parse(t.receivedAt)));
        opts.brainMetrics.turnSeconds.observe({ platform: last.platform }, Math.max(0, Date.now() - firstReceived) / 1_000);
      } catch (err) {
        if (!lastAttempt) throw err;
        // Out of retries: keep the messages in the dead-letter queue, tell the person, free the conversation.
        const code = typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : 'turn_failed';
        for (const [i, turn] of turns.entries()) {
          await opts.deadLetters.write({ queue: TURNS_QUEUE, jobId: claim.keys[i], payload: turn, code, reason: err instanceof Error ? err.message : String(err), firstSeen: turn.receivedAt, attempts: bullJob.attemptsMade + 1 });
        }
        await opts.sender.final(target, [TURN_FAILED_TEXT]).catch((e: unknown) => log.error({ err: e }, 'apology not sent'));
        await scheduleNext(await opts.mailbox.complete(convKey, job.gen, claim.keys, Date.now()));
        opts.brainMetrics.turns.inc({ platform: last.platform, outcome: 'failed' });
        log.error({ err, code }, 'turn failed after retries; messages dead-lettered');
        throw new UnrecoverableError(`${code}: ${err instanceof Error ? err.message : String(err)}`);
      }
      try {
        await runStages(ctx, opts.afterReply ?? [], opts.brainMetrics.stageSeconds);
      } catch (err) {
        // The reply is out. Retry while attempts last; after the last one, keep the reply and say what was lost.
        if (!lastAttempt) throw err;
        log.error({ err }, 'turn answered, but taking it in (emotion, memory) failed after retries');
      }
      const next = await opts.mailbox.complete(convKey, job.gen, claim.keys, Date.now());
      opts.brainMetrics.turns.inc({ platform: last.platform, outcome: 'answered' });
      opts.brainMetrics.messagesPerTurn.observe({ platform: last.platform }, turns.length);
      log.info({ messages: turns.length, parts: ctx.replyParts.length }, 'turn answered');
      await scheduleNext(next);
      return { outcome: 'answered', replyId, messages: turns.length };

      async function scheduleNext(gen: number): Promise<void> {
        if (gen > 0) await opts.scheduler.schedule(job.platform, job.conversationId, gen, 0);
      }
    },
  });

  async function parseBatch(claim: ClaimedBatch, job: Job): Promise<InboundTurn[]> {
    const turns: InboundTurn[] = [];
    for (const [i, raw] of claim.payloads.entries()) {
      const parsed = raw ? InboundTurn.safeParse(JSON.parse(raw)) : undefined;
      if (parsed?.success) turns.push(parsed.data);
      else await opts.deadLetters.write({ queue: TURNS_QUEUE, jobId: claim.keys[i], payload: raw, code: 'payload_invalid', reason: parsed ? parsed.error.message : 'mailbox entry missing', firstSeen: new Date(job.timestamp).toISOString() });
    }
    return turns;
  }
}
