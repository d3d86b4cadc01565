import { HelixError, retryAfterMs } from '../../mesh/index.ts';
import { RATE_LIMIT_DEFAULT_MS } from './limits.ts';

interface GaxiosLikeError {
  status?: unknown;
  message?: unknown;
  response?: { status?: unknown; headers?: Headers | Record<string, unknown>; data?: unknown };
}

function header(headers: Headers | Record<string, unknown> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const v = (headers as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : undefined;
}

/** Google's error JSON (`{error:{code,message,status}}`), as "STATUS: message". */
function googleReason(data: unknown): string | undefined {
  const e = (data as { error?: { message?: unknown; status?: unknown } } | undefined)?.error;
  if (!e || typeof e !== 'object') return undefined;
  const status = typeof e.status === 'string' ? e.status : undefined;
  const message = typeof e.message === 'string' ? e.message.slice(0, 300) : undefined;
  return [status, message].filter(Boolean).join(': ') || undefined;
}

/**
 * Sorts a Chat API failure for the queue: 429 (RESOURCE_EXHAUSTED) → `platform_rate_limited` with
 * Retry-After when Google gives one, else {@link RATE_LIMIT_DEFAULT_MS}; 408 and 5xx and network errors →
 * `platform_unavailable` (retried with backoff); other 4xx (a space the app left, a bad thread,
 * PERMISSION_DENIED) → `platform_rejected` (dead-lettered with Google's reason).
 * @see https://developers.google.com/workspace/chat/limits
 */
export function toHelixError(err: unknown, what: string): HelixError {
  if (err instanceof HelixError) return err;
  const e = (err ?? {}) as GaxiosLikeError;
  const status = typeof e.status === 'number' ? e.status : typeof e.response?.status === 'number' ? e.response.status : undefined;
  const reason = googleReason(e.response?.data) ?? (typeof e.message === 'string' ? e.message.slice(0, 300) : String(err));
  if (status === 429) {
    const waitMs = retryAfterMs(header(e.response?.headers, 'retry-after')) ?? RATE_LIMIT_DEFAULT_MS;
    return new HelixError('platform_rate_limited', `Google Chat rate-limited ${what} (429): retrying in ${Math.ceil(waitMs / 1_000)} s. ${reason}`, { cause: err, retryAfterMs: waitMs });
  }
  if (status !== undefined && status >= 400 && status < 500 && status !== 408) {
    return new HelixError('platform_rejected', `Google Chat refused ${what} (${status}): ${reason}`, { cause: err });
  }
  return new HelixError('platform_unavailable', `Google Chat did not take ${what}${status ? ` (${status})` : ''}: ${reason}`, { cause: err });
}
