import type { BackoffStrategy, JobsOptions } from 'bullmq';
import type { Platform } from './platform.ts';

/** Platform events, normalized, from every bot to the brain. */
export const INBOUND_QUEUE = 'inbound';
/** The brain's own per-conversation turn jobs (one live job per conversation at most). */
export const TURNS_QUEUE = 'turns';
/** Entries Helix could not process, each with its reason. Nothing consumes it automatically. */
export const DEAD_LETTER_QUEUE = 'dead-letter';

/** `outbound-<platform>`: replies from the brain to one platform's bot. */
export function outboundQueue(platform: Platform): `outbound-${Platform}` {
  return `outbound-${platform}`;
}

/** Options shared by every queue's jobs; `dedupeWindowSec` is how long a delivered id still counts as a duplicate. */
export interface JobRetentionOptions {
  /** Seconds a completed job id is kept so a redelivered event is recognized. @defaultValue `86400` */
  dedupeWindowSec: number;
}
export const DefaultJobRetention = { dedupeWindowSec: 86_400 } as const satisfies JobRetentionOptions;

/** Backoff type name registered by {@link helixBackoff}; honours an error's `retryAfterMs`. */
export const HELIX_BACKOFF = 'helix';

/** Job options for an inbound platform event (the job id must come from {@link jobIdFor}). */
export function inboundJobOptions(jobId: string, retention: JobRetentionOptions = DefaultJobRetention): JobsOptions {
  return {
    jobId,
    attempts: 8,
    backoff: { type: HELIX_BACKOFF, delay: 250 },
    removeOnComplete: { age: retention.dedupeWindowSec },
    removeOnFail: { age: 7 * 86_400 },
  };
}

/** Job options for an outbound reply. Finals are kept for the dedupe window; drafts are disposable. */
export function outboundJobOptions(jobId: string, kind: 'final' | 'draft', retention: JobRetentionOptions = DefaultJobRetention): JobsOptions {
  return {
    jobId,
    attempts: kind === 'final' ? 10 : 1,
    backoff: { type: HELIX_BACKOFF, delay: 500 },
    removeOnComplete: kind === 'final' ? { age: retention.dedupeWindowSec } : true,
    removeOnFail: kind === 'final' ? { age: 7 * 86_400 } : true,
  };
}

/**
 * Backoff for every Helix worker (`settings.backoffStrategy`): an error that says how long to wait
 * (a platform 429's Retry-After, carried as `retryAfterMs`) is obeyed; anything else backs off
 * exponentially from the job's base delay with jitter, capped at one minute.
 * @see https://docs.bullmq.io/guide/retrying-failing-jobs#custom-back-off-strategies
 */
export const helixBackoff: BackoffStrategy = (attemptsMade, _type, err, job) => {
  const retryAfterMs = (err as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  if (typeof retryAfterMs === 'number' && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) return Math.ceil(retryAfterMs);
  const opt = job?.opts.backoff;
  const base = typeof opt === 'object' && typeof opt.delay === 'number' ? opt.delay : 500;
  const exp = Math.min(60_000, base * 2 ** Math.max(0, attemptsMade - 1));
  return Math.round(exp * (0.8 + Math.random() * 0.4));
};
