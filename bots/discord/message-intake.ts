import type { Queue } from 'bullmq';
import type { Message } from 'discord.js';
import { inboundJobOptions, jobIdFor, monotonicNow, newTraceparent, traceLogger, type Logger } from '../../mesh/index.ts';
import type { DiscordMetrics } from './discord-metrics.ts';
import { messageFacts } from './message-facts.ts';
import { decide, toInboundTurn, type ListenSettings } from './normalize.ts';
import type { TypingIndicator } from './typing.ts';

export interface MessageIntakeOptions {
  inbound: Queue;
  dedupeWindowSec: number;
  settings: () => ListenSettings | undefined;
  typing: TypingIndicator;
  metrics: DiscordMetrics;
  log: Logger;
}

/** Recently queued message ids: a replayed MESSAGE_CREATE does not restart typing or count twice. */
const RECENT = 2_000;

/**
 * MESSAGE_CREATE → `inbound`. The message id is the event id and the job id, so a gateway resume or
 * replay never makes a second turn. Nothing is shown on Discord (no typing) until the envelope is on
 * the queue; a queue failure is logged and counted, and the bot keeps serving.
 */
export class MessageIntake {
  readonly #opts: MessageIntakeOptions;
  readonly #recent = new Set<string>();
  #open = true;

  constructor(opts: MessageIntakeOptions) {
    this.#opts = opts;
  }

  /** Stops taking messages (shutdown). */
  stop(): void {
    this.#open = false;
  }

  /** Handles one message; never throws. */
  async handle(message: Message): Promise<void> {
    const { metrics, log } = this.#opts;
    if (!this.#open) return;
    try {
      const settings = this.#opts.settings();
      if (!settings) return; // not logged in yet
      const facts = messageFacts(message);
      const decision = decide(facts, settings);
      if (!decision.answer) {
        metrics.messages.inc({ outcome: 'ignored', reason: decision.why });
        return;
      }
      if (this.#recent.has(facts.id)) {
        metrics.messages.inc({ outcome: 'ignored', reason: 'duplicate' });
        return;
      }
      const turn = toInboundTurn(facts, settings.helixId, monotonicNow(), newTraceparent());
      const tlog = traceLogger(log, turn.traceparent, { event_id: turn.eventId, channel_id: facts.channelId });
      try {
        await this.#addWithRetry(() => this.#opts.inbound.add('turn', turn, inboundJobOptions(jobIdFor('discord', turn.eventId), { dedupeWindowSec: this.#opts.dedupeWindowSec })), tlog);
      } catch (err) {
        metrics.messages.inc({ outcome: 'failed', reason: 'queue_unavailable' });
        metrics.queueFailures.inc({ queue: 'inbound' });
        tlog.error({ err: (err as Error).message }, 'message not queued (inbound queue unreachable); Helix will not answer it');
        return;
      }
      this.#remember(facts.id);
      metrics.messages.inc({ outcome: 'accepted', reason: decision.why });
      tlog.info({ why: decision.why, conversation: turn.conversation.id, kind: turn.conversation.kind }, 'message accepted');
      this.#opts.typing.start(facts.channelId, facts.id);
    } catch (err) {
      metrics.messages.inc({ outcome: 'failed', reason: 'unreadable' });
      log.warn({ err, message_id: (message as { id?: unknown } | undefined)?.id }, 'message skipped: could not be read');
    }
  }

  /**
   * The gateway never redelivers a message, so a Redis blip must not lose it: retry the add with backoff
   * for up to ~60 s (same job id, so a retry that raced a success is still one turn).
   */
  async #addWithRetry(add: () => Promise<unknown>, tlog: Logger): Promise<void> {
    for (let attempt = 0, delay = 250; ; attempt++, delay = Math.min(delay * 2, 8_000)) {
      try {
        await add();
        return;
      } catch (err) {
        if (!this.#open || attempt >= 10) throw err;
        if (attempt === 0) tlog.warn({ err: (err as Error).message }, 'inbound queue unreachable; retrying the message');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  #remember(id: string): void {
    this.#recent.add(id);
    if (this.#recent.size > RECENT) {
      const oldest = this.#recent.values().next().value;
      if (oldest !== undefined) this.#recent.delete(oldest);
    }
  }
}
