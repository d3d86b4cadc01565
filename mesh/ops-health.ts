import type { JobsOptions } from 'bullmq';
import { z } from 'zod';

/**
 * The brain asks ops how the platform is doing: a job on this queue, answered by ops with a
 * {@link HealthSnapshot} as the job's return value (the brain waits for it with BullMQ's QueueEvents).
 */
export const OPS_HEALTH_QUEUE = 'ops-health';

/** A question for ops. No parameters beyond who asks: the answer is the same for everyone. */
export const HealthRequest = z.object({
  v: z.literal(1),
  askedAt: z.iso.datetime(),
  traceparent: z.string().max(128).optional(),
});
export type HealthRequest = z.infer<typeof HealthRequest>;

const count = z.number().int().min(0);
/** Free text from alerts (titles) is untrusted: bounded here, and quoted as data wherever it is shown to a model. */
const label = z.string().max(200);

export const HealthSnapshot = z.object({
  v: z.literal(1),
  takenAt: z.iso.datetime(),
  incidents: z.object({
    /** Open incidents: firing, acknowledged, silenced, snoozed or escalated. */
    open: count,
    bySeverity: z.record(label, count),
    /** The most severe open incidents, newest first within a severity (at most 5). */
    top: z.array(z.object({ title: label, severity: label, state: label, since: z.iso.datetime() })).max(5),
  }),
  /** SLO error budgets read from Prometheus; absent when ops has no Prometheus or no SLO specs. */
  slos: z
    .array(z.object({
      service: label,
      slo: label,
      /** Target in percent (99.9). */
      objective: z.number().min(0).max(100),
      /** Share of the window's error budget left (negative once spent); absent when Prometheus has no data. */
      budgetRemaining: z.number().optional(),
      burnRate: z.number().min(0).optional(),
    }))
    .max(50)
    .optional(),
  /** Why SLOs are missing, when they are (e.g. Prometheus unreachable). */
  slosUnavailable: z.string().max(300).optional(),
  /** Job counts of Helix's own queues. */
  queues: z.array(z.object({ name: label, waiting: count, active: count, delayed: count, failed: count })).max(64),
  /** Entries in the dead-letter queue. */
  deadLetters: count,
});
export type HealthSnapshot = z.infer<typeof HealthSnapshot>;

/** Health questions expire quickly: nobody waits for a stale answer, and the queue must not pile up. */
export function healthRequestJobOptions(): JobsOptions {
  return { attempts: 1, removeOnComplete: { age: 60, count: 100 }, removeOnFail: { age: 3_600, count: 100 } };
}
