import type { Queue } from 'bullmq';
import { Routes, type REST } from 'discord.js';
import { inboundJobOptions, jobIdFor, newTraceparent, traceLogger, type Logger } from '../../mesh/index.ts';
import type { DiscordMetrics } from './discord-metrics.ts';
import type { AckKind, InteractionAcks } from './interaction-acks.ts';
import { planInteraction, POLITE, type InteractionPlan } from './interaction-normalize.ts';
import { EPHEMERAL_FLAG, INTERACTION_ENQUEUE_TIMEOUT_MS } from './limits.ts';
import { redactUrl } from './rest-errors.ts';

export interface InteractionIntakeOptions {
  rest: REST;
  inbound: Queue;
  opsActions: Queue;
  acks: InteractionAcks;
  dedupeWindowSec: number;
  metrics: DiscordMetrics;
  log: Logger;
}

/**
 * Interaction response types.
 * @see https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-interaction-callback-type
 */
const Callback = { Reply: 4, Defer: 5, Autocomplete: 8 } as const;

/**
 * INTERACTION_CREATE → a queue, acknowledged inside Discord's 3 s window. Reads the raw gateway payload
 * (discord.js drops interaction types it does not know, which must still get a polite answer). An ops
 * click or command goes to `ops-actions`, a companion command to `inbound`; only once the envelope is
 * queued is the interaction deferred (ephemerally). If the queue cannot take it in time, the person gets
 * a polite ephemeral error instead. Everything else is answered at once, privately.
 */
export class InteractionIntake {
  readonly #opts: InteractionIntakeOptions;
  #open = true;

  constructor(opts: InteractionIntakeOptions) {
    this.#opts = opts;
  }

  stop(): void {
    this.#open = false;
  }

  /** Handles one raw INTERACTION_CREATE payload; never throws. */
  async handle(raw: unknown): Promise<void> {
    if (!this.#open) return;
    const { metrics, log } = this.#opts;
    let plan: InteractionPlan;
    try {
      plan = planInteraction(raw, new Date(), newTraceparent());
    } catch (err) {
      metrics.interactions.inc({ kind: 'unknown', outcome: 'dropped' });
      log.warn({ err }, 'interaction skipped: could not be read');
      return;
    }
    const ids = raw as { id: string; token: string };
    try {
      switch (plan.kind) {
        case 'drop':
          metrics.interactions.inc({ kind: 'drop', outcome: 'dropped' });
          log.warn({ reason: plan.reason }, 'interaction dropped');
          return;
        case 'autocomplete':
          await this.#callback(ids, { type: Callback.Autocomplete, data: { choices: [] } }, 'answered');
          metrics.interactions.inc({ kind: 'autocomplete', outcome: 'answered' });
          return;
        case 'answer':
          await this.#callback(ids, { type: Callback.Reply, data: { content: plan.content, flags: EPHEMERAL_FLAG } }, 'answered');
          metrics.interactions.inc({ kind: 'answer', outcome: 'answered' });
          log.info({ interaction_id: ids.id, reason: plan.reason }, 'interaction answered politely');
          return;
        case 'ops':
        case 'turn': {
          const envelope = plan.kind === 'ops' ? plan.action : plan.turn;
          const queue = plan.kind === 'ops' ? this.#opts.opsActions : this.#opts.inbound;
          const tlog = traceLogger(log, envelope.traceparent, { event_id: envelope.eventId, queue: queue.name });
          try {
            await withTimeout(
              (async () => {
                // Kept before the envelope is queued: a fast answer may reach delivery (in any process) at once.
                await this.#opts.acks.keepToken(ids.id, ids.token);
                await queue.add(plan.kind === 'ops' ? 'action' : 'turn', envelope, inboundJobOptions(jobIdFor('discord', envelope.eventId), { dedupeWindowSec: this.#opts.dedupeWindowSec }));
              })(),
              INTERACTION_ENQUEUE_TIMEOUT_MS,
            );
          } catch (err) {
            metrics.queueFailures.inc({ queue: queue.name });
            metrics.interactions.inc({ kind: plan.kind, outcome: 'queue_failed' });
            tlog.error({ err: (err as Error).message }, 'interaction not queued; answering with an apology');
            await this.#callback(ids, { type: Callback.Reply, data: { content: POLITE.queueDown, flags: EPHEMERAL_FLAG } }, 'answered');
            return;
          }
          await this.#callback(ids, { type: Callback.Defer, data: { flags: EPHEMERAL_FLAG } }, 'deferred');
          metrics.interactions.inc({ kind: plan.kind, outcome: 'deferred' });
          tlog.info(plan.kind === 'ops' ? { action: plan.action.action, incident_id: plan.action.incidentId, actor: plan.action.actor.accountId } : { command: plan.turn.command?.name }, plan.kind === 'ops' ? 'ops action accepted' : 'command accepted');
          return;
        }
      }
    } catch (err) {
      metrics.interactions.inc({ kind: plan.kind, outcome: 'ack_failed' });
      const e = err as { message?: unknown; code?: unknown };
      log.warn({ interaction_id: ids.id, code: e.code, err: redactUrl(String(e.message ?? err)) }, 'interaction could not be acknowledged');
    }
  }

  /** POST the interaction callback (no bot token: the interaction's own token authorizes it), then mark it acknowledged. */
  async #callback(ids: { id: string; token: string }, body: unknown, kind: AckKind): Promise<void> {
    await this.#opts.rest.post(Routes.interactionCallback(ids.id, ids.token), { body, auth: false });
    await this.#opts.acks.mark(ids.id, kind).catch((err: unknown) => this.#opts.log.warn({ err: (err as Error).message }, 'interaction ack not recorded'));
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`queue did not answer within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}
