import { DelayedError, UnrecoverableError, Worker, type Job, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { DeadLetters } from './dead-letters.ts';
import type { Logger } from './observe/log.ts';
import type { ProcessMetrics } from './observe/metrics.ts';
import { helixBackoff } from './queues.ts';

/** Error codes that retrying cannot fix: the job goes to the dead-letter queue at once. */
const PERMANENT_CODES = new Set(['payload_invalid', 'platform_rejected', 'access_denied', 'page_refused']);

/**
 * Thrown by a handler that gave up on its job and already dead-lettered what the job carried (e.g. the turn
 * worker's messages, which say more than the job's own payload): the job ends failed, with no retry and no
 * second dead-letter entry.
 */
export class DeadLetteredError extends UnrecoverableError {}

export interface MeshConsumerOptions<S extends z.ZodType> {
  queue: string;
  schema: S;
  /** A worker-role connection (`createRedis(url, 'worker')`); BullMQ duplicates it for blocking reads. */
  connection: Redis;
  prefix: string;
  log: Logger;
  deadLetters: DeadLetters;
  metrics?: ProcessMetrics;
  /** Jobs handled at once. @defaultValue `1` */
  concurrency?: number;
  /** Handles one valid payload. Throw to retry (with backoff); throw a permanent code to dead-letter. */
  handle(payload: z.output<S>, job: Job, signal: AbortSignal | undefined, token: string | undefined): Promise<unknown>;
  worker?: Partial<Omit<WorkerOptions, 'connection' | 'prefix' | 'concurrency'>>;
}

/** A running consumer; `close()` lets in-flight jobs finish and is safe to call twice. */
export interface MeshConsumer {
  readonly worker: Worker;
  close(): Promise<void>;
}

/**
 * The queue discipline every Helix consumer follows: parse `job.data` against the contract first;
 * an invalid payload is dead-lettered with the zod reason and never retried; a handler failure is
 * retried with {@link helixBackoff} and dead-lettered with its reason on the last attempt. The
 * worker keeps serving the next job either way.
 */
export function startConsumer<S extends z.ZodType>(opts: MeshConsumerOptions<S>): MeshConsumer {
  const { queue, log, deadLetters, metrics } = opts;
  const worker = new Worker(
    queue,
    async (job: Job, token?: string, signal?: AbortSignal) => {
      const parsed = opts.schema.safeParse(job.data);
      if (!parsed.success) {
        const reason = z.prettifyError(parsed.error);
        await deadLetters.write({ queue, jobId: job.id, payload: job.data, code: 'payload_invalid', reason, firstSeen: new Date(job.timestamp).toISOString(), attempts: job.attemptsMade });
        log.warn({ queue, job_id: job.id, reason }, 'invalid payload dead-lettered');
        metrics?.jobs.inc({ queue, outcome: 'invalid' });
        throw new UnrecoverableError(`payload_invalid: ${reason}`);
      }
      try {
        const result = await opts.handle(parsed.data, job, signal, token);
        metrics?.jobs.inc({ queue, outcome: 'ok' });
        return result;
      } catch (err) {
        if (err instanceof DelayedError || (err as Error | undefined)?.name === 'DelayedError') throw err;
        if (err instanceof DeadLetteredError) {
          metrics?.jobs.inc({ queue, outcome: 'dead_lettered' });
          throw err;
        }
        const code = (err as { code?: unknown }).code;
        const permanent = (err as Error).name === 'UnrecoverableError' || (typeof code === 'string' && PERMANENT_CODES.has(code));
        const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        if (permanent || lastAttempt) {
          const reason = err instanceof Error ? err.message : String(err);
          await deadLetters.write({ queue, jobId: job.id, payload: job.data, code: typeof code === 'string' ? code : 'handler_failed', reason, firstSeen: new Date(job.timestamp).toISOString(), attempts: job.attemptsMade + 1 });
          metrics?.jobs.inc({ queue, outcome: 'dead_lettered' });
          log.error({ queue, job_id: job.id, err }, 'job dead-lettered');
          throw permanent ? new UnrecoverableError(reason) : err;
        }
        metrics?.jobs.inc({ queue, outcome: 'retry' });
        log.warn({ queue, job_id: job.id, err, attempt: job.attemptsMade + 1 }, 'job failed; will retry');
        throw err;
      }
    },
    {
      connection: opts.connection,
      prefix: opts.prefix,
      concurrency: opts.concurrency ?? 1,
      ...opts.worker,
      settings: { backoffStrategy: helixBackoff, ...opts.worker?.settings },
    },
  );
  // Connection errors repeat every reconnect attempt while Redis is down: log them once per outage.
  let down = false;
  worker.on('error', (err) => {
    const connection = /ECONNREFUSED|ECONNRESET|EPIPE|Connection is closed|ETIMEDOUT/.test(err.message);
    if (connection && down) return;
    down = connection;
    log.error({ queue, err: err.message }, connection ? 'redis unreachable; worker will resume when it is back' : 'worker error');
  });
  worker.on('ready', () => {
    if (down) log.info({ queue }, 'redis reachable again');
    down = false;
  });
  let closing: Promise<void> | undefined;
  return {
    worker,
    close() {
      closing ??= worker.close();
      return closing;
    },
  };
}
