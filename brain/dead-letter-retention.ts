import type { Counter, DeadLetters, Logger } from '../mesh/index.ts';

export interface DeadLetterRetentionOptions {
  deadLetters: DeadLetters;
  log: Logger;
  /** How long an entry is kept (`redis.deadLetterKeepDays` in ms); 0 starts nothing: entries stay until dropped by hand. */
  keepMs: number;
  /** Time between trims; the first runs at start (a brain restarted often still trims). @defaultValue one hour */
  intervalMs?: number;
  /** `helix_dead_letters_trimmed_total`. */
  trimmed?: Counter;
}

export interface DeadLetterRetention {
  /** Trims once now (never overlapping the timer's trim); resolves to the entries removed. */
  trim(): Promise<number>;
  /** Stops the timer and waits for a trim in progress. Idempotent. */
  close(): Promise<void>;
}

const HOUR_MS = 3_600_000;

/**
 * Keeps the dead-letter queue from growing for good: every `intervalMs` the entries older than `keepMs` are
 * removed. Every brain trims; removal is atomic per entry, so brains trimming at once remove each entry once.
 * A trim that fails (Redis down) is logged and tried again on the next beat.
 */
export function startDeadLetterRetention(opts: DeadLetterRetentionOptions): DeadLetterRetention {
  let running: Promise<number> | undefined;
  let closed = false;
  const tick = () => void trim().catch((err: Error) => opts.log.warn({ err: err.message }, 'dead letters not trimmed; trying again next time'));
  const timer = opts.keepMs > 0 ? setInterval(tick, opts.intervalMs ?? HOUR_MS) : undefined;
  timer?.unref();

  function trim(): Promise<number> {
    if (closed || opts.keepMs <= 0) return Promise.resolve(0);
    running ??= (async () => {
      try {
        const removed = await opts.deadLetters.trim(opts.keepMs);
        if (removed > 0) {
          opts.trimmed?.inc(removed);
          opts.log.info({ removed, keptDays: opts.keepMs / 86_400_000 }, 'old dead letters removed');
        }
        return removed;
      } finally {
        running = undefined;
      }
    })();
    return running;
  }

  tick();
  return {
    trim,
    async close() {
      closed = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
