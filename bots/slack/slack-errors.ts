import { HelixError } from '../../mesh/index.ts';

/** @slack/web-api error codes (`ErrorCode` in @slack/web-api). */
const Code = {
  rateLimited: 'slack_webapi_rate_limited_error',
  platform: 'slack_webapi_platform_error',
  http: 'slack_webapi_http_error',
  request: 'slack_webapi_request_error',
} as const;

/** Slack platform errors that are worth retrying (Slack's side, not the request). */
const TRANSIENT_PLATFORM_ERRORS = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ratelimited']);

/** Slack's error string of a failed Web API call (`channel_not_found`...), when it is one. */
export function slackErrorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; data?: { error?: unknown } } | undefined;
  return e?.code === Code.platform && typeof e.data?.error === 'string' ? e.data.error : undefined;
}

/**
 * Sorts a Web API failure: a 429 (the client rejects rate-limited calls instead of waiting) →
 * `platform_rate_limited` with Retry-After; `{ok:false,error}` → `platform_rejected` (dead letter with
 * Slack's code) unless Slack's side failed; HTTP 5xx and network errors → `platform_unavailable`.
 */
export function toHelixError(err: unknown, what: string): HelixError {
  if (err instanceof HelixError) return err;
  const e = err as { code?: unknown; retryAfter?: unknown; statusCode?: unknown; message?: unknown } | undefined;
  const msg = typeof e?.message === 'string' ? e.message : String(err);
  if (e?.code === Code.rateLimited) {
    const sec = typeof e.retryAfter === 'number' && Number.isFinite(e.retryAfter) ? e.retryAfter : 1;
    return new HelixError('platform_rate_limited', `${what}: Slack rate limit, retry after ${sec} s`, { cause: err, retryAfterMs: Math.max(0, sec) * 1_000 });
  }
  const platform = slackErrorCode(err);
  if (platform !== undefined) {
    if (TRANSIENT_PLATFORM_ERRORS.has(platform)) return new HelixError('platform_unavailable', `${what}: Slack failed (${platform}); retrying`, { cause: err });
    return new HelixError('platform_rejected', `${what}: Slack refused it (${platform})`, { cause: err });
  }
  if (e?.code === Code.http && typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500 && e.statusCode !== 408) {
    return new HelixError('platform_rejected', `${what}: Slack answered HTTP ${e.statusCode}`, { cause: err });
  }
  return new HelixError('platform_unavailable', `${what}: Slack unreachable (${msg}); retrying`, { cause: err });
}
