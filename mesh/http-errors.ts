/**
 * Reading what an HTTP client's error says, the same way for every outbound call (models, pagers, Prometheus,
 * platform APIs). Hand-written because the clients differ (ky, fetch, Octokit, gaxios) and each of these is a
 * few lines no library offers on its own.
 */

/** The first `code` (ECONNREFUSED, UND_ERR_SOCKET…) down the cause chain: ky wraps fetch's TypeError, which wraps the socket error. */
export function errnoCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date (RFC 9110 allows both); undefined when absent or unreadable. */
export function retryAfterMs(value: string | number | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1_000);
  // An HTTP date names its weekday and month ("Wed, 21 Oct 2015 07:28:00 GMT"); a bare "-5" is no date.
  const date = /[a-z]/i.test(String(value)) ? Date.parse(String(value)) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
