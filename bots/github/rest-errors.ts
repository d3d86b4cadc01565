import { HelixError, retryAfterMs } from '../../mesh/index.ts';
import { SECONDARY_LIMIT_DEFAULT_MS } from './limits.ts';

interface OctokitLikeError {
  status?: unknown;
  message?: unknown;
  response?: { headers?: Record<string, string | number | undefined> };
  /** GraphQL errors (`GraphqlResponseError`: the HTTP status was 200, the body carried `errors`). */
  errors?: unknown;
  headers?: Record<string, string | number | undefined>;
}

/**
 * Sorts a GitHub API failure for the queue: a secondary rate limit (403 with Retry-After, or its
 * message), a spent primary limit (403/429 with `x-ratelimit-remaining: 0`) and 429 become
 * `platform_rate_limited` with the wait; other 4xx `platform_rejected` (dead-lettered with the reason);
 * 5xx and network errors `platform_unavailable` (retried with backoff). GraphQL errors (HTTP 200 with an
 * `errors` list): RATE_LIMITED waits for the reset, any other type is `platform_rejected`.
 * @see https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit
 */
export function toHelixError(err: unknown, what: string, now = Date.now()): HelixError {
  if (err instanceof HelixError) return err;
  const e = (err ?? {}) as OctokitLikeError;
  const status = typeof e.status === 'number' ? e.status : undefined;
  const message = typeof e.message === 'string' ? e.message : String(err);
  const headers = e.response?.headers ?? {};
  if (status === undefined && Array.isArray(e.errors)) {
    // GraphQL answers 200 with `errors`; RATE_LIMITED is the only kind worth waiting for.
    // @see https://docs.github.com/en/graphql/overview/rate-limits-and-query-limits-for-the-graphql-api
    const types = e.errors.map((x: { type?: unknown }) => String(x?.type ?? 'UNKNOWN'));
    if (types.includes('RATE_LIMITED')) {
      const reset = Number(e.headers?.['x-ratelimit-reset']);
      const waitMs = Number.isFinite(reset) ? Math.max(1_000, reset * 1000 - now) : SECONDARY_LIMIT_DEFAULT_MS;
      return new HelixError('platform_rate_limited', `GitHub rate-limited ${what} (GraphQL): retrying in ${Math.ceil(waitMs / 1000)} s. ${message}`, { cause: err, retryAfterMs: waitMs });
    }
    return new HelixError('platform_rejected', `GitHub refused ${what} (GraphQL ${types.join(', ')}): ${message}`, { cause: err });
  }
  if (status === 403 || status === 429) {
    const remaining = headers['x-ratelimit-remaining'];
    const reset = Number(headers['x-ratelimit-reset']);
    // Retry-After (seconds or an HTTP date), else the primary limit's reset time, else a secondary limit's default wait.
    let waitMs = retryAfterMs(headers['retry-after'], now);
    if (waitMs === undefined && String(remaining) === '0' && Number.isFinite(reset)) waitMs = Math.max(1_000, reset * 1000 - now);
    if (waitMs === undefined && (status === 429 || /secondary rate limit|rate limit exceeded/i.test(message))) waitMs = SECONDARY_LIMIT_DEFAULT_MS;
    if (waitMs !== undefined) return new HelixError('platform_rate_limited', `GitHub rate-limited ${what} (${status}): retrying in ${Math.ceil(waitMs / 1000)} s. ${message}`, { cause: err, retryAfterMs: waitMs });
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return new HelixError('platform_rejected', `GitHub refused ${what} (${status}): ${message}`, { cause: err });
  }
  return new HelixError('platform_unavailable', `GitHub did not take ${what}${status ? ` (${status})` : ''}: ${message}`, { cause: err });
}
