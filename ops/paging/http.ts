import ky, { HTTPError, TimeoutError } from 'ky';
import { HelixError, errnoCode, retryAfterMs } from '../../mesh/index.ts';

/** How a pager's HTTP calls retry and time out. */
export interface PagerHttpOptions {
  /** Retries on 408/429/5xx and network errors (pages are idempotent by dedup key or harmless to repeat). @defaultValue `3` */
  maxRetries: number;
  /** Longest one attempt may take. @defaultValue `10000` */
  timeoutMs: number;
  /** First retry delay; each next one doubles, up to 5 s. @defaultValue `300` */
  retryBaseMs: number;
  /** Longest Retry-After worth waiting; a longer one fails the page at once (with `retryAfterMs`). @defaultValue `10000` */
  maxRetryAfterMs: number;
}
export const DefaultPagerHttpOptions = { maxRetries: 3, timeoutMs: 10_000, retryBaseMs: 300, maxRetryAfterMs: 10_000 } as const satisfies Required<PagerHttpOptions>;

/**
 * POSTs to a paging API with bounded retries on 429 (Retry-After honoured) and 5xx, and returns the parsed JSON
 * answer (or `undefined` for an empty body). Every failure becomes a HelixError whose message names `describe`,
 * the status and the API's own reason: `page_refused` when the API answered 4xx (not 408 or 429: the same
 * request will be refused again), else `page_failed`.
 */
export async function postForPage(url: string, init: { json?: unknown; body?: URLSearchParams; headers?: Record<string, string> }, describe: string, opts: PagerHttpOptions): Promise<unknown> {
  try {
    const response = await ky.post(url, {
      ...(init.json !== undefined ? { json: init.json } : {}),
      ...(init.body !== undefined ? { body: init.body } : {}),
      headers: init.headers,
      timeout: opts.timeoutMs,
      retry: {
        limit: opts.maxRetries,
        methods: ['post'],
        statusCodes: [408, 429, 500, 502, 503, 504],
        afterStatusCodes: [429, 503],
        maxRetryAfter: opts.maxRetryAfterMs,
        delay: (attempt) => Math.min(5_000, opts.retryBaseMs * 2 ** (attempt - 1)),
        retryOnTimeout: true,
        shouldRetry: ({ error }) => {
          if (error instanceof HTTPError && error.response.status === 429) {
            const after = retryAfterMs(error.response.headers.get('retry-after'));
            if (after !== undefined && after > opts.maxRetryAfterMs) return false;
          }
          return undefined;
        },
      },
    });
    const text = await response.text();
    if (!text) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  } catch (err) {
    throw pageError(err, describe, opts);
  }
}

function pageError(err: unknown, describe: string, opts: PagerHttpOptions): HelixError {
  if (err instanceof HelixError) return err;
  if (err instanceof TimeoutError) return new HelixError('page_failed', `${describe}: no answer within ${opts.timeoutMs} ms (after ${opts.maxRetries} retries).`, { cause: err });
  if (err instanceof HTTPError) {
    const status = err.response.status;
    const reason = apiReason(err.data);
    const detail = `${status}${reason ? `: ${reason}` : ''}`;
    if (status === 429) {
      const after = retryAfterMs(err.response.headers.get('retry-after'));
      return new HelixError('page_failed', `${describe}: rate limited (${detail}); try again${after ? ` in ${Math.ceil(after / 1_000)} s` : ' later'}.`, { cause: err, ...(after !== undefined ? { retryAfterMs: after } : {}) });
    }
    if (status >= 500 || status === 408) return new HelixError('page_failed', `${describe}: the service is failing (${detail}) after ${opts.maxRetries} retries.`, { cause: err });
    // The service read the request and said no: the same request will be refused again.
    const hint = status === 401 || status === 403 ? ' Check the credentials in the paging config.' : status === 404 ? ' Check the base URL and account id.' : '';
    return new HelixError('page_refused', `${describe}: refused (${detail}).${hint}`, { cause: err });
  }
  const code = errnoCode(err);
  return new HelixError('page_failed', `${describe}: not reachable (${code ?? (err as Error).message}). Check the base URL and the network.`, { cause: err });
}

/** The API's own error text from an error body (PagerDuty `{message, errors}`, Twilio `{code, message}`), cut short. */
function apiReason(data: unknown): string {
  if (typeof data === 'string') return data.slice(0, 300);
  if (typeof data !== 'object' || data === null) return '';
  const d = data as { message?: unknown; errors?: unknown; code?: unknown };
  const parts: string[] = [];
  if (typeof d.code === 'number' || typeof d.code === 'string') parts.push(`code ${d.code}`);
  if (typeof d.message === 'string') parts.push(d.message);
  if (Array.isArray(d.errors)) parts.push(d.errors.filter((e) => typeof e === 'string').join('; '));
  return (parts.filter(Boolean).join(' ') || JSON.stringify(data)).slice(0, 300);
}

/** The HTTP options a caller set (undefined keys would override the defaults). */
export function definedOnly(opts: Partial<PagerHttpOptions>): Partial<PagerHttpOptions> {
  const out: Partial<PagerHttpOptions> = {};
  for (const key of ['maxRetries', 'timeoutMs', 'retryBaseMs', 'maxRetryAfterMs'] as const) if (opts[key] !== undefined) out[key] = opts[key];
  return out;
}
