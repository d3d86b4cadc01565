import ky, { HTTPError, TimeoutError } from 'ky';
import { HelixError, errnoCode, retryAfterMs } from '../../mesh/index.ts';

/** How one HTTP model call behaves. */
export interface ModelHttpOptions {
  /** Whole call, stream included. */
  timeoutMs: number;
  /** Retries on 429/5xx/network errors before the response starts. */
  maxRetries: number;
  /** The caller's signal (turn timeout, shutdown). */
  signal: AbortSignal | undefined;
  /** For messages: "OpenAI-compatible API at http://…" */
  describe: string;
  /** Longest Retry-After worth waiting inside the call; a longer one fails fast with `retryAfterMs` so the queue waits instead. @defaultValue `10000` */
  maxRetryAfterMs?: number;
}

/**
 * POSTs JSON and returns the streaming response once its headers arrive. Retries (ky) honour Retry-After
 * and happen only before the first byte of the answer, so no text is ever streamed twice. Failures become
 * HelixErrors with `model_*` codes. The returned `timeout` fires when the whole-call deadline passes (the request is aborted with it).
 */
export async function postModelStream(url: string, body: unknown, headers: Record<string, string>, opts: ModelHttpOptions): Promise<{ response: Response; timeout: AbortSignal }> {
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 10_000;
  try {
    const response = await ky.post(url, {
      json: body,
      headers,
      signal,
      timeout: false,
      throwHttpErrors: true,
      retry: {
        limit: opts.maxRetries,
        methods: ['post'],
        statusCodes: [408, 429, 500, 502, 503, 504],
        afterStatusCodes: [429, 503],
        maxRetryAfter: maxRetryAfterMs,
        backoffLimit: 5_000,
        shouldRetry: ({ error }) => {
          if (error instanceof HTTPError && error.response.status === 429) {
            const after = retryAfterMs(error.response.headers.get('retry-after'));
            if (after !== undefined && after > maxRetryAfterMs) return false;
          }
          return undefined;
        },
      },
    });
    return { response, timeout };
  } catch (err) {
    throw await modelError(err, opts, timeout, url);
  }
}

/**
 * Turns any failure of a model call into a HelixError with a `model_*` code. An abort by the caller is
 * passed through; a network failure after text has streamed is a `model_stream_cut`.
 */
export async function modelError(err: unknown, opts: Pick<ModelHttpOptions, 'describe' | 'timeoutMs' | 'signal'>, timeout: AbortSignal, url?: string, streaming = false): Promise<unknown> {
  if (err instanceof HelixError) return err;
  if (opts.signal?.aborted && !timeout.aborted) return opts.signal.reason ?? err;
  if (timeout.aborted || err instanceof TimeoutError) {
    return new HelixError('model_timeout', `${opts.describe} did not finish within ${opts.timeoutMs} ms (llm.timeoutMs).`, { cause: err });
  }
  if (err instanceof HTTPError) {
    const status = err.response.status;
    const detail = serverMessage(err.data);
    if (status === 429) {
      const after = retryAfterMs(err.response.headers.get('retry-after')) ?? 5_000;
      return new HelixError('model_rate_limited', `${opts.describe} is rate limiting Helix (429${detail ? `: ${detail}` : ''}); retry in ${Math.ceil(after / 1_000)} s.`, { cause: err, retryAfterMs: after });
    }
    if (status >= 500 || status === 408) return new HelixError('model_unavailable', `${opts.describe} answered ${status}${detail ? `: ${detail}` : ''}. It may be overloaded or restarting.`, { cause: err });
    return new HelixError('model_rejected', `${opts.describe} refused the request (${status}${detail ? `: ${detail}` : ''}). Check the model name and API key.`, { cause: err });
  }
  const code = errnoCode(err);
  if (streaming) return new HelixError('model_stream_cut', `${opts.describe} stream broke off before the reply was complete (${code ?? (err as Error).message}).`, { cause: err });
  const where = url && !opts.describe.includes(new URL(url).origin) ? ` at ${new URL(url).origin}` : '';
  return new HelixError('model_unavailable', `${opts.describe} is not reachable${where} (${code ?? (err as Error).message}). Is the server running, and is its base URL right?`, { cause: err });
}

/**
 * The server's own error message from an error body (`{error:{message}}` or `{error:"..."}`), cut short.
 * Reads ky's `HTTPError.data`: ky 2 has already consumed the response body to fill it, so `response.text()` would throw.
 */
function serverMessage(data: unknown): string {
  if (typeof data === 'string') return data.slice(0, 300);
  if (typeof data !== 'object' || data === null) return '';
  const error = (data as { error?: unknown }).error;
  const msg = typeof error === 'string' ? error : (error as { message?: unknown } | undefined)?.message;
  return typeof msg === 'string' ? msg.slice(0, 300) : JSON.stringify(data).slice(0, 300);
}
