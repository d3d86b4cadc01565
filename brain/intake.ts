import type { Redis } from 'ioredis';
import { INBOUND_QUEUE, InboundTurn, jobIdFor, startConsumer, type DeadLetters, type Logger, type MeshConsumer, type ProcessMetrics, traceLogger } from '../mesh/index.ts';
import type { ConversationMailbox } from './conversation-mailbox.ts';
import type { TurnScheduler } from './turn-scheduler.ts';

export interface IntakeOptions {
  connection: Redis;
  prefix: string;
  log: Logger;
  deadLetters: DeadLetters;
  metrics: ProcessMetrics;
  mailbox: ConversationMailbox;
  scheduler: TurnScheduler;
  /** Quiet window before a burst is answered, by modality. */
  quietMs: { text: number; voice: number };
  concurrency?: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

/**
 * Consumes `inbound`: each valid turn goes into its conversation's mailbox (once per event id) and the
 * conversation's turn job is made to exist. Cheap and parallel; the turn worker does the thinking.
 */
export function startIntake(opts: IntakeOptions): MeshConsumer {
  return startConsumer({
    queue: INBOUND_QUEUE,
    schema: InboundTurn,
    connection: opts.connection,
    prefix: opts.prefix,
    log: opts.log,
    deadLetters: opts.deadLetters,
    metrics: opts.metrics,
    concurrency: opts.concurrency ?? 64,
    worker: {
      ...(opts.lockDurationMs ? { lockDuration: opts.lockDurationMs } : {}),
      ...(opts.stalledIntervalMs ? { stalledInterval: opts.stalledIntervalMs } : {}),
    },
    async handle(turn) {
      // The key comes from the payload, not the job id, so a producer that forgot the job id still dedupes.
      const eventKey = jobIdFor(turn.platform, turn.eventId);
      // The burst clock runs on when the platform received the message (never later than now), so a
      // message that already waited in the queue longer than the quiet window is answered at once.
      const now = Date.now();
      const at = Math.min(now, Date.parse(turn.receivedAt));
      const { accepted, gen } = await opts.mailbox.accept(turn, eventKey, at);
      const log = traceLogger(opts.log, turn.traceparent, { platform: turn.platform, event_id: turn.eventId });
      if (!accepted) log.info('duplicate event ignored');
      else log.debug({ gen }, 'turn accepted');
      if (gen > 0) await opts.scheduler.schedule(turn.platform, turn.conversation.id, gen, accepted ? Math.max(0, at + opts.quietMs[turn.modality] - now) : 0);
      return { accepted, gen };
    },
  });
}
