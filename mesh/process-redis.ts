import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { DeadLetters } from './dead-letters.ts';
import type { Logger } from './observe/log.ts';
import { createProcessMetrics, type ProcessMetrics } from './observe/metrics.ts';
import { createRedis, logOutages, type RedisRole } from './redis.ts';
import { runCloseSteps, type CloseStep } from './shutdown.ts';

export interface ProcessRedisOptions {
  redisUrl: string;
  /** The process's role: its metrics' `process` label and its connections' names (`helix-<role>`, ...). */
  role: string;
  prefix: string;
  log: Logger;
  /** Name of the worker connection. @defaultValue `helix-<role>-delivery` */
  workerName?: string;
}

/**
 * The Redis side of a bot or ops process, opened and closed the same way in each:
 * - `producer` fails fast (no offline queue), so a platform's request gets an error (a 503) instead of hanging
 *   while Redis is away; `worker` queues commands and waits, for consumers; its outages are logged once;
 * - the process's metrics and dead-letter writer;
 * - queues and further connections made through it are closed with it.
 * `close(steps)` runs the process's own steps first (HTTP, intake, consumers), then closes the queues and every
 * connection, each step bounded (1 s while Redis is down, when nothing would flush anyway). Idempotent.
 */
export interface ProcessRedis {
  readonly producer: Redis;
  readonly worker: Redis;
  readonly metrics: ProcessMetrics;
  readonly deadLetters: DeadLetters;
  /** A queue on one of the connections (the producer's by default); its connection errors surface on the calls that hit them. */
  queue(name: string, on?: 'producer' | 'worker'): Queue;
  /** One more connection (a subscriber, say), closed with the others. */
  connection(role: RedisRole, name: string): Redis;
  /** Runs `steps`, then closes the queues and connections, and logs `stopped`. The first call's steps are the ones run. */
  close(steps: readonly CloseStep[], stopped: string): Promise<void>;
}

export function openProcessRedis(opts: ProcessRedisOptions): ProcessRedis {
  const { log, prefix } = opts;
  const producer = createRedis(opts.redisUrl, 'producer', `helix-${opts.role}`);
  const worker = createRedis(opts.redisUrl, 'worker', opts.workerName ?? `helix-${opts.role}-delivery`);
  const connections = [producer, worker];
  const outage = logOutages(worker, log);
  const metrics = createProcessMetrics(opts.role);
  const deadLetters = new DeadLetters(worker, prefix, metrics);
  const queues: Queue[] = [];
  let closing: Promise<void> | undefined;
  return {
    producer,
    worker,
    metrics,
    deadLetters,
    queue(name, on = 'producer') {
      const queue = new Queue(name, { connection: on === 'producer' ? producer : worker, prefix });
      queue.on('error', () => {});
      queues.push(queue);
      return queue;
    },
    connection(role, name) {
      const redis = createRedis(opts.redisUrl, role, name);
      connections.push(redis);
      return redis;
    },
    close(steps, stopped) {
      closing ??= (async () => {
        await runCloseSteps(
          [
            ...steps,
            ['queues', () => Promise.all([...queues.map((q) => q.close()), deadLetters.close()])],
            ['redis', () => Promise.all(connections.map((r) => r.quit().catch(() => r.disconnect())))],
          ],
          { log, deadlineMs: outage.down ? 1_000 : 5_000 },
        );
        for (const r of connections) r.disconnect();
        log.info(stopped);
      })();
      return closing;
    },
  };
}
