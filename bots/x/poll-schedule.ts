import type { XRateLimit } from './x-errors.ts';

/** Bounds of the wait between two polls of one endpoint. */
export interface PollBounds {
  /** Shortest wait (`x.pollMinMs`). */
  minMs: number;
  /** Longest wait while the window has requests left (`x.pollMaxMs`). */
  maxMs: number;
}

/**
 * How long to wait before the next poll, from the `x-rate-limit-*` headers of the last response: the
 * requests left in the window spread evenly over the time until it resets, within [minMs, maxMs]; a
 * spent window waits for its reset (even past maxMs). No headers: minMs. Pure; the clock is passed in.
 * @see https://docs.x.com/x-api/fundamentals/rate-limits
 */
export function nextPollDelay(rate: Partial<XRateLimit> | undefined, now: number, bounds: PollBounds): number {
  const min = bounds.minMs;
  const max = Math.max(bounds.minMs, bounds.maxMs);
  if (!rate || typeof rate.remaining !== 'number' || typeof rate.reset !== 'number' || !Number.isFinite(rate.remaining) || !Number.isFinite(rate.reset)) return min;
  const untilReset = Math.max(0, rate.reset * 1000 - now);
  if (rate.remaining <= 0) return Math.max(min, untilReset + 1_000);
  return Math.min(max, Math.max(min, Math.ceil(untilReset / rate.remaining)));
}

/** Wait after a failed poll that was not a rate limit: doubles from minMs per consecutive failure, capped at maxMs. */
export function failureDelay(consecutiveFailures: number, bounds: PollBounds): number {
  const max = Math.max(bounds.minMs, bounds.maxMs);
  return Math.min(max, bounds.minMs * 2 ** Math.min(20, Math.max(0, consecutiveFailures - 1)));
}
