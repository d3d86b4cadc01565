import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { INBOUND_QUEUE, InboundTurn, jobIdFor, startConsumer, type DeadLetters, type Logger, type MeshConsumer, type ProcessMetrics, traceLogger } from '../mesh/index.ts';
import type { ConversationMailbox } from './conversation-mailbox.ts';
import { MAX_BATCH, type TurnRunner } from './turn-runner.ts';
import type { TurnScheduler } from './turn-scheduler.ts';

export interface IntakeOptions {
  connection: Redis;
  prefix: string;
  log: Logger;
  deadLetters: DeadLetters;
  metrics: ProcessMetrics;
  mailbox: ConversationMailbox;
  scheduler: TurnScheduler;
  /**
   * Answers a message itself when it opens an idle conversation and its modality has no quiet window (nothing to
   * wait for), and either a turn slot is free with no backlog, or the conversation is in step with Helix (waiting
   * for a slot then): the turn skips the turn queue's hop. Also frees a conversation whose
   * live turn was abandoned (its job failed for good) when a new message arrives.
   */
  runner: TurnRunner;
  /** Quiet window before a burst is answered, by modality. */
  quietMs: { text: number; voice: number };
  concurrency?: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

/**
 * Consumes `inbound`: each valid turn goes into its conversation's mailbox (once per event id) and the
 * conversation's turn job is made to exist. Cheap and parallel; the turn worker does the thinking, except for
 * a message that opens an idle conversation with no quiet window (voice by default), answered here at once.
 * If intake's process dies during such a turn, its job runs again and hands the turn to the turn worker.
 */
export function startIntake(opts: IntakeOptions): MeshConsumer {
  const consumer = startConsumer({
    queue: INBOUND_QUEUE,
    schema: InboundTurn,
    connection: opts.connection,
    prefix: opts.prefix,
    log: opts.log,
    deadLetters: opts.deadLetters,
    metrics: opts.metrics,
    concurrency: opts.concurrency ?? 64,
    worker: {
      // As the turn worker's: a job whose turn is answered here may be taken over after a crash as often.
      maxStalledCount: 5,
      ...(opts.lockDurationMs ? { lockDuration: opts.lockDurationMs } : {}),
      ...(opts.stalledIntervalMs ? { stalledInterval: opts.stalledIntervalMs } : {}),
    },
    handle: (turn, job, signal) => take(turn, job, signal),
  });
  return consumer;

  async function take(turn: InboundTurn, job: Job, signal: AbortSignal | undefined) {
    // The key comes from the payload, not the job id, so a producer that forgot the job id still dedupes.
    const eventKey = jobIdFor(turn.platform, turn.eventId);
    // The burst clock runs on when the platform received the message (never later than now), so a
    // message that already waited in the queue longer than the quiet window is answered at once.
    const now = Date.now();
    const at = Math.min(now, Date.parse(turn.receivedAt));
    const quietMs = opts.quietMs[turn.modality];
    // Behind a backlog, later messages of this conversation may be queued right behind this one, and taking them
    // in first lets the turn worker answer them as one turn; so with a free slot the mailbox pins the turn only if
    // none of intake's jobs wait (checked in the same atomic step). A conversation in step (this message came after
    // the reply to its one last message) has nothing queued behind it: pinned even under load, and this job waits
    // for a slot rather than paying the turn queue's hop (~a quarter of a loaded brain's turns/s).
    const runner = opts.runner;
    const offer = quietMs === 0;
    const slot = offer ? runner.trySlot() : undefined;
    try {
      const result = await opts.mailbox.accept(turn, eventKey, at, {
        ...(offer ? { answerHere: { maxBatch: MAX_BATCH, backlog: consumer.worker.toKey('wait'), slotFree: slot !== undefined } } : {}),
        ...(job.id ? { jobId: job.id } : {}),
        rerun: job.attemptsMade > 0 || job.stalledCounter > 0,
      });
      const { accepted, gen } = result;
      const log = traceLogger(opts.log, turn.traceparent, { platform: turn.platform, event_id: turn.eventId });
      if (!accepted) log.info('duplicate event ignored');
      else log.debug({ gen }, 'turn accepted');
      const owner = { platform: turn.platform, conversationId: turn.conversation.id, gen };
      if (result.abandoned) {
        // Nobody will answer the live turn (its job failed for good): dead-letter it, apologise, and schedule
        // what came after, this message included. A crash in between repeats it on this job's retry.
        await runner.abandon(owner, result.abandoned, job.timestamp);
        return { accepted, gen, abandoned: result.abandoned.keys.length };
      }
      if (result.answerHere) {
        try {
          await runner.answer(owner, result.answerHere, { lastAttempt: false, attemptsMade: 0, queuedAt: job.timestamp, signal }, slot);
        } catch (err) {
          // Retried by the turn worker, with its attempts and backoff; the pinned batch keeps its reply id.
          log.warn({ err }, 'turn failed; the turn worker retries it');
          await opts.scheduler.schedule(turn.platform, turn.conversation.id, gen, TAKEOVER_DELAY_MS);
        }
        return { accepted, gen, answeredHere: true };
      }
      // Another intake is answering this conversation; the end of its turn schedules the next one.
      if (gen > 0 && !result.answeredElsewhere) await opts.scheduler.schedule(turn.platform, turn.conversation.id, gen, accepted ? Math.max(0, at + quietMs - now) : 0);
      return { accepted, gen };
    } finally {
      slot?.();
    }
  }
}

/** How long a turn that failed at intake waits before the turn worker tries it again (its first backoff). */
const TAKEOVER_DELAY_MS = 1_000;
