import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { HealthSnapshot, OPS_HEALTH_QUEUE, healthRequestJobOptions, type Logger } from '../../mesh/index.ts';

/** What asking ops gave: the snapshot, or why there is none (ops not running, too slow, a bad answer). */
export type HealthAnswer = { ok: true; snapshot: HealthSnapshot } | { ok: false; reason: 'timeout' | 'unavailable' | 'invalid' };

export interface OpsHealthClientOptions {
  /** A connection for adding jobs; QueueEvents gets its own blocking connection (duplicated from it). */
  connection: Redis;
  prefix: string;
  log: Logger;
  /** Longest wait for ops' answer. @defaultValue `2000` */
  timeoutMs?: number;
}

/**
 * Asks the ops service for the platform's health through the `ops-health` queue and waits for the job's
 * return value (BullMQ QueueEvents), so the brain needs nothing of ops but the queue.
 */
export class OpsHealthClient {
  readonly #queue: Queue;
  readonly #events: QueueEvents;
  readonly #eventsConnection: Redis;
  readonly #ready: Promise<unknown>;
  readonly #opts: OpsHealthClientOptions;
  #closed: Promise<void> | undefined;

  constructor(opts: OpsHealthClientOptions) {
    this.#opts = opts;
    this.#queue = new Queue(OPS_HEALTH_QUEUE, { connection: opts.connection, prefix: opts.prefix });
    this.#queue.on('error', (err) => opts.log.warn({ err: err.message }, 'ops-health queue error'));
    this.#eventsConnection = opts.connection.duplicate();
    this.#eventsConnection.on('error', () => {});
    this.#events = new QueueEvents(OPS_HEALTH_QUEUE, { connection: this.#eventsConnection, prefix: opts.prefix, autorun: true });
    this.#events.on('error', (err) => opts.log.warn({ err: err.message }, 'ops-health events error'));
    this.#ready = this.#events.waitUntilReady().catch(() => undefined);
  }

  async ask(traceparent?: string): Promise<HealthAnswer> {
    const timeoutMs = this.#opts.timeoutMs ?? 2_000;
    await this.#ready;
    let job;
    try {
      job = await this.#queue.add('health', { v: 1, askedAt: new Date().toISOString(), ...(traceparent ? { traceparent } : {}) }, healthRequestJobOptions());
    } catch {
      return { ok: false, reason: 'unavailable' };
    }
    let value: unknown;
    try {
      value = await job.waitUntilFinished(this.#events, timeoutMs);
    } catch (err) {
      // Nobody answered in time (ops not running, or busy): the question must not linger for a later ops to answer.
      await job.remove().catch(() => undefined);
      return { ok: false, reason: /timed out|ttl/i.test((err as Error).message) ? 'timeout' : 'unavailable' };
    }
    const parsed = HealthSnapshot.safeParse(value);
    if (!parsed.success) {
      this.#opts.log.warn({ err: parsed.error.issues[0]?.message }, 'ops answered the health question with something unreadable');
      return { ok: false, reason: 'invalid' };
    }
    return { ok: true, snapshot: parsed.data };
  }

  /** Stops listening; safe to call twice. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.#events.close().catch(() => undefined);
      await this.#queue.close().catch(() => undefined);
      this.#eventsConnection.disconnect();
    })();
    return this.#closed;
  }
}
