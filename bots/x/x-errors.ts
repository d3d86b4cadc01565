import { HelixError } from '../../mesh/index.ts';
import { RATE_LIMIT_DEFAULT_WAIT_MS } from './limits.ts';

/** X's `x-rate-limit-*` headers as twitter-api-v2 reads them (`reset` in epoch seconds). */
export interface XRateLimit {
  limit: number;
  remaining: number;
  reset: number;
}

interface XLikeError {
  code?: unknown;
  type?: unknown;
  message?: unknown;
  rateLimit?: Partial<XRateLimit>;
  data?: { detail?: unknown; title?: unknown; errors?: Array<{ message?: unknown }> };
}

/** HTTP status of a twitter-api-v2 ApiResponseError (its `code`), else undefined (network errors). */
export function statusOf(err: unknown): number | undefined {
  const e = (err ?? {}) as XLikeError;
  return e.type === 'response' && typeof e.code === 'number' ? e.code : undefined;
}

/** Milliseconds until a rate-limit window resets, or undefined when the headers name none. */
export function msUntilReset(rate: Partial<XRateLimit> | undefined, now: number): number | undefined {
  const reset = rate?.reset;
  if (typeof reset !== 'number' || !Number.isFinite(reset) || reset <= 0) return undefined;
  return Math.max(1_000, reset * 1000 - now);
}

/**
 * Sorts an X API failure for the queue the way discord.js `Shared.ts` does: 429 → `platform_rate_limited`
 * with the wait until `x-rate-limit-reset`; other 4xx (a post that is too long, a duplicate, a deleted
 * tweet, revoked credentials) → `platform_rejected` with X's detail (dead-lettered); 5xx and network
 * errors → `platform_unavailable` (retried with backoff).
 * @see https://docs.x.com/x-api/fundamentals/response-codes-and-errors
 */
export function toHelixError(err: unknown, what: string, now = Date.now()): HelixError {
  if (err instanceof HelixError) return err;
  const e = (err ?? {}) as XLikeError;
  const status = statusOf(err);
  const detail = [e.data?.title, e.data?.detail, ...(e.data?.errors ?? []).map((x) => x.message)].filter((x): x is string => typeof x === 'string').join(': ');
  const message = detail || (typeof e.message === 'string' ? e.message : String(err));
  if (status === 429) {
    const waitMs = msUntilReset(e.rateLimit, now) ?? RATE_LIMIT_DEFAULT_WAIT_MS;
    return new HelixError('platform_rate_limited', `X rate-limited ${what} (429): retrying in ${Math.ceil(waitMs / 1000)} s.`, { cause: err, retryAfterMs: waitMs });
  }
  if (status === 401) {
    return new HelixError('platform_rejected', `X refused the credentials for ${what} (401): check x.appKey, x.appSecret, x.accessToken and x.accessSecret (README, "Connecting X"). ${message}`, { cause: err });
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return new HelixError('platform_rejected', `X refused ${what} (${status}): ${message}`, { cause: err });
  }
  return new HelixError('platform_unavailable', `X did not take ${what}${status ? ` (${status})` : ''}: ${message}`, { cause: err });
}
