import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  DEAD_LETTER_QUEUE, HealthRequest, INBOUND_QUEUE, MEMORY_CONSOLIDATION_QUEUE, OPS_ACTIONS_QUEUE, OPS_ALERTS_QUEUE, OPS_HEALTH_QUEUE, OPS_TIMERS_QUEUE, Platform, TURNS_QUEUE,
  outboundQueue, startConsumer, type DeadLetters, type Logger, type MeshConsumer, type ProcessMetrics,
} from '../../mesh/index.ts';
import { takeHealthSnapshot, type HealthSources } from './health-snapshot.ts';

export interface HealthResponderOptions {
  connection: Redis;
  prefix: string;
  log: Logger;
  deadLetters: DeadLetters;
  metrics?: ProcessMetrics;
  sources: HealthSources;
}

/**
 * Answers the brain's health questions on `ops-health`: the job's return value is a `HealthSnapshot`.
 * A question older than its asker's patience (10 s) is answered with nothing: the brain has moved on.
 */
export function startHealthResponder(opts: HealthResponderOptions): MeshConsumer {
  return startConsumer({
    queue: OPS_HEALTH_QUEUE,
    schema: HealthRequest,
    connection: opts.connection,
    prefix: opts.prefix,
    log: opts.log,
    deadLetters: opts.deadLetters,
    ...(opts.metrics ? { metrics: opts.metrics } : {}),
    concurrency: 2,
    async handle(req) {
      if (Date.now() - Date.parse(req.askedAt) > 10_000) return { stale: true };
      return takeHealthSnapshot(opts.sources);
    },
  });
}

export interface OpsHealthOptions extends Omit<HealthResponderOptions, 'sources'> {
  openIncidents: HealthSources['openIncidents'];
  /** SLO budgets; leave out when no Prometheus is configured (the snapshot then has no SLO part). */
  sloBudgets?: HealthSources['sloBudgets'];
}

/**
 * The health responder with the queues it watches (every Helix queue and the dead letters), as one consumer whose
 * `close()` also closes those queues.
 */
export function startOpsHealth(opts: OpsHealthOptions): MeshConsumer {
  const names = [INBOUND_QUEUE, TURNS_QUEUE, ...Platform.options.map(outboundQueue), OPS_ALERTS_QUEUE, OPS_ACTIONS_QUEUE, OPS_TIMERS_QUEUE, MEMORY_CONSOLIDATION_QUEUE];
  const queues = names.map((name) => new Queue(name, { connection: opts.connection, prefix: opts.prefix }));
  const deadLetters = new Queue(DEAD_LETTER_QUEUE, { connection: opts.connection, prefix: opts.prefix });
  for (const q of [...queues, deadLetters]) q.on('error', () => {});
  const consumer = startHealthResponder({ ...opts, sources: { openIncidents: opts.openIncidents, ...(opts.sloBudgets ? { sloBudgets: opts.sloBudgets } : {}), queues, deadLetters } });
  let closing: Promise<void> | undefined;
  return {
    worker: consumer.worker,
    close() {
      closing ??= (async () => {
        await consumer.close();
        await Promise.all([...queues, deadLetters].map((q) => q.close().catch(() => undefined)));
      })();
      return closing;
    },
  };
}
