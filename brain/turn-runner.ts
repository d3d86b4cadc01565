import { DeadLetteredError, InboundTurn, TURNS_QUEUE, safePart, traceLogger, type DeadLetters, type Logger, type Platform } from '../mesh/index.ts';
import type { BrainMetrics } from './brain-metrics.ts';
import { Semaphore } from './llm/semaphore.ts';
import { conversationKey, type ClaimedBatch, type ConversationMailbox } from './conversation-mailbox.ts';
import type { ReplySender, ReplyTarget } from './reply-sender.ts';
import { runStages, type TurnStep } from './turn/run-stages.ts';
import type { TurnContext } from './turn/turn-context.ts';
import type { TurnScheduler } from './turn-scheduler.ts';

/** Said when a turn fails for good (after its retries), so nobody is left waiting in silence. */
export const TURN_FAILED_TEXT = "Sorry, I couldn't answer that just now. Please try again in a little while.";

export interface TurnRunnerOptions {
  log: Logger;
  deadLetters: DeadLetters;
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
  turnTimeoutMs: number;
  /** Turns answered at once in this process, by the turn worker and intake together. */
  concurrency: number;
}

/** Most messages answered in one turn (a longer burst is answered in several). */
export const MAX_BATCH = 50;

/** Which conversation generation a batch belongs to. */
export interface TurnOwner {
  platform: Platform;
  conversationId: string;
  gen: number;
}

/** How this run of a turn stands among its attempts. */
export interface TurnAttempt {
  /** No retry follows a failure of this run: dead-letter the messages, apologise and free the conversation. */
  lastAttempt: boolean;
  /** Runs made before this one (for dead-letter entries). */
  attemptsMade: number;
  /** When the job carrying the turn was made (ms): the first-seen time of entries that cannot be parsed. */
  queuedAt: number;
  /** Aborts the turn when its worker is forced to stop. */
  signal: AbortSignal | undefined;
}

export type TurnOutcome = { outcome: 'answered'; replyId: string; messages: number } | { outcome: 'invalid' };

/**
 * Answers one claimed batch of a conversation: stages, the reply, taking the turn in, then frees the
 * conversation and schedules its next turn if messages are waiting. Used by the turn worker and by intake,
 * which answers an idle conversation's message itself when it has no quiet window to wait. Both share
 * `concurrency` slots, so the brain never answers more conversations at once than configured.
 */
export class TurnRunner {
  readonly #opts: TurnRunnerOptions;
  readonly #slots: Semaphore;

  constructor(opts: TurnRunnerOptions) {
    this.#opts = opts;
    this.#slots = new Semaphore(opts.concurrency);
  }

  /** A turn slot if one is free now (intake answers the turn itself only then). */
  trySlot(): (() => void) | undefined {
    return this.#slots.tryAcquire();
  }

  /** Answers the batch in `slot`, or in the next free slot when none is given. */
  async answer(owner: TurnOwner, claim: ClaimedBatch, attempt: TurnAttempt, slot?: () => void): Promise<TurnOutcome> {
    const release = slot ?? (await this.#slots.acquire(attempt.signal));
    try {
      return await this.#answer(owner, claim, attempt);
    } finally {
      release();
    }
  }

  /** Frees an empty generation and schedules what came in meanwhile. */
  async release(owner: TurnOwner, keys: readonly string[]): Promise<void> {
    await this.#scheduleNext(owner, await this.#opts.mailbox.complete(conversationKey(owner.platform, owner.conversationId), owner.gen, keys, Date.now()));
  }

  /**
   * Frees a generation that nobody will answer: its job failed for good (stalled past its limit, or out of
   * attempts on Redis errors) and left its batch pinned. The messages go to the dead-letter queue, the person
   * hears the apology, and what came after is scheduled. Safe to repeat: dead letters and the apology keep
   * their ids.
   */
  async abandon(owner: TurnOwner, claim: ClaimedBatch, queuedAt: number): Promise<void> {
    const entries = await this.#parseBatch(claim, queuedAt);
    const last = entries.at(-1)?.turn;
    if (last) {
      const { log, target } = this.#replyTarget(last);
      const reason = 'turn abandoned: its job failed for good (stalled past its limit or out of attempts) without answering';
      await this.#giveUp(entries, target, log, 'turn_abandoned', reason, undefined);
      this.#opts.brainMetrics.turns.inc({ platform: last.platform, outcome: 'abandoned' });
      log.error({ messages: entries.length, gen: owner.gen }, 'abandoned turn freed; its messages dead-lettered');
    }
    await this.release(owner, claim.keys);
  }

  async #answer(owner: TurnOwner, claim: ClaimedBatch, attempt: TurnAttempt): Promise<TurnOutcome> {
    const opts = this.#opts;
    const convKey = conversationKey(owner.platform, owner.conversationId);
    const entries = await this.#parseBatch(claim, attempt.queuedAt);
    const turns = entries.map((e) => e.turn);
    const last = turns[turns.length - 1];
    if (!last) {
      // Every entry was invalid (dead-lettered above): nothing to answer.
      await this.release(owner, claim.keys);
      return { outcome: 'invalid' };
    }
    const { replyId, log, target } = this.#replyTarget(last);
    const timeout = AbortSignal.timeout(opts.turnTimeoutMs);
    const ctx: TurnContext = {
      turns,
      platform: last.platform,
      conversation: last.conversation,
      replyId,
      log,
      signal: attempt.signal ? AbortSignal.any([attempt.signal, timeout]) : timeout,
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
    let repliedAt = 0;
    try {
      await runStages(ctx, opts.stages, opts.brainMetrics.stageSeconds);
      await opts.sender.final(target, ctx.replyParts, ctx.replyPrivate ? { private: true } : {});
      repliedAt = Date.now();
      // Turn latency is what the person waits: first message received → reply sent (taking it in comes after).
      const firstReceived = Math.min(...turns.map((t) => Date.parse(t.receivedAt)));
      opts.brainMetrics.turnSeconds.observe({ platform: last.platform }, Math.max(0, Date.now() - firstReceived) / 1_000);
    } catch (err) {
      if (!attempt.lastAttempt) throw err;
      // Out of retries: keep the messages in the dead-letter queue, tell the person, free the conversation.
      const code = typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : 'turn_failed';
      await this.#giveUp(entries, target, log, code, err instanceof Error ? err.message : String(err), attempt.attemptsMade + 1);
      await this.release(owner, claim.keys);
      opts.brainMetrics.turns.inc({ platform: last.platform, outcome: 'failed' });
      log.error({ err, code }, 'turn failed after retries; messages dead-lettered');
      throw new DeadLetteredError(`${code}: ${err instanceof Error ? err.message : String(err)}`);
    }
    try {
      await runStages(ctx, opts.afterReply ?? [], opts.brainMetrics.stageSeconds);
    } catch (err) {
      // The reply is out. Retry while attempts last; after the last one, keep the reply and say what was lost.
      if (!attempt.lastAttempt) throw err;
      log.error({ err }, 'turn answered, but taking it in (emotion, memory) failed after retries');
    }
    const next = await opts.mailbox.complete(convKey, owner.gen, claim.keys, Date.now(), repliedAt);
    opts.brainMetrics.turns.inc({ platform: last.platform, outcome: 'answered' });
    opts.brainMetrics.messagesPerTurn.observe({ platform: last.platform }, turns.length);
    log.info({ messages: turns.length, parts: ctx.replyParts.length }, 'turn answered');
    await this.#scheduleNext(owner, next);
    return { outcome: 'answered', replyId, messages: turns.length };
  }

  async #scheduleNext(owner: TurnOwner, gen: number): Promise<void> {
    if (gen > 0) await this.#opts.scheduler.schedule(owner.platform, owner.conversationId, gen, 0);
  }

  /** Who a reply to `last` (the newest message of a batch) goes to, and its logger. */
  #replyTarget(last: InboundTurn) {
    const replyId = `r-${safePart(`${last.platform}-${last.eventId}`)}`;
    const log = traceLogger(this.#opts.log, last.traceparent, { platform: last.platform, conversation: last.conversation.id, reply_id: replyId });
    const target = { platform: last.platform, conversation: last.conversation, replyId, inReplyTo: last.eventId, traceparent: last.traceparent };
    return { replyId, log, target };
  }

  /** Keeps a batch nobody will answer in the dead-letter queue and tells the person (the conversation is freed by the caller). */
  async #giveUp(entries: readonly BatchEntry[], target: ReplyTarget, log: Logger, code: string, reason: string, attempts: number | undefined): Promise<void> {
    for (const { key, turn } of entries) {
      await this.#opts.deadLetters.write({ queue: TURNS_QUEUE, jobId: key, payload: turn, code, reason, firstSeen: turn.receivedAt, ...(attempts ? { attempts } : {}) });
    }
    await this.#opts.sender.final(target, [TURN_FAILED_TEXT]).catch((e: unknown) => log.error({ err: e }, 'apology not sent'));
  }

  /** The batch's valid messages with their mailbox keys; invalid or missing entries are dead-lettered. */
  async #parseBatch(claim: ClaimedBatch, queuedAt: number): Promise<BatchEntry[]> {
    const entries: BatchEntry[] = [];
    for (const [i, raw] of claim.payloads.entries()) {
      const key = claim.keys[i]!;
      const parsed = raw ? InboundTurn.safeParse(JSON.parse(raw)) : undefined;
      if (parsed?.success) entries.push({ key, turn: parsed.data });
      else await this.#opts.deadLetters.write({ queue: TURNS_QUEUE, jobId: key, payload: raw, code: 'payload_invalid', reason: parsed ? parsed.error.message : 'mailbox entry missing', firstSeen: new Date(queuedAt).toISOString() });
    }
    return entries;
  }
}

/** A message of a claimed batch and its mailbox key. */
interface BatchEntry {
  key: string;
  turn: InboundTurn;
}
