import type { Logger } from '../../mesh/index.ts';
import { failureDelay, nextPollDelay, type PollBounds } from './poll-schedule.ts';
import { msUntilReset, statusOf, type XRateLimit } from './x-errors.ts';

export interface PollLoopOptions {
  /** `mentions` or `dms` (logs and metrics). */
  name: string;
  bounds: PollBounds;
  /** One poll; resolves to the last rate limit X reported. Throws to back off. */
  poll(): Promise<XRateLimit | undefined>;
  log: Logger;
  /** Called after every poll with its outcome and the wait chosen. */
  onPoll?(outcome: 'ok' | 'rate_limited' | 'failed', delayMs: number, err?: unknown): void;
  now?: () => number;
}

/** A running poll loop; `stop()` waits for the poll in flight and is safe to call twice. */
export interface PollLoop {
  /** The last poll's failure, if it failed (for /healthz). */
  readonly lastError: unknown;
  stop(): Promise<void>;
}

/**
 * Polls at once, then again after a wait that follows X's rate-limit headers (see {@link nextPollDelay});
 * a 429 waits until the window resets, other failures back off. Never overlaps two polls.
 */
export function startPollLoop(opts: PollLoopOptions): PollLoop {
  const now = opts.now ?? Date.now;
  let stopped = false;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let lastError: unknown;
  const run = async () => {
    let delay: number;
    try {
      const rate = await opts.poll();
      failures = 0;
      lastError = undefined;
      delay = nextPollDelay(rate, now(), opts.bounds);
      opts.onPoll?.('ok', delay);
    } catch (err) {
      lastError = err;
      const status = statusOf(err);
      if (status === 429) {
        delay = Math.max(opts.bounds.minMs, msUntilReset((err as { rateLimit?: Partial<XRateLimit> }).rateLimit, now()) ?? opts.bounds.maxMs);
        opts.log.warn({ poll: opts.name, wait_ms: delay }, 'rate-limited by X; polling again after the window resets');
        opts.onPoll?.('rate_limited', delay, err);
      } else {
        failures++;
        delay = failureDelay(failures, opts.bounds);
        opts.log.warn({ poll: opts.name, status, err: (err as Error).message, failures, wait_ms: delay }, status === 401 ? 'X refused the credentials (401): check x.appKey, x.appSecret, x.accessToken, x.accessSecret' : 'poll failed; backing off');
        opts.onPoll?.('failed', delay, err);
      }
    }
    if (!stopped) timer = setTimeout(tick, delay);
  };
  const tick = () => {
    inFlight = run().finally(() => (inFlight = undefined));
  };
  tick();
  let stopping: Promise<void> | undefined;
  return {
    get lastError() {
      return lastError;
    },
    stop() {
      stopping ??= (async () => {
        stopped = true;
        clearTimeout(timer);
        await inFlight;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}
