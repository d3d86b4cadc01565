import ky, { HTTPError, TimeoutError } from 'ky';
import { z } from 'zod';
import { HelixError, errnoCode } from '../../mesh/index.ts';

/** One sample of an instant vector: its labels and value (`NaN`, `+Inf` parsed as numbers). */
export interface PromSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** Evaluation time, Unix seconds. */
  readonly time: number;
}

const SampleValue = z.tuple([z.number(), z.string()]);
const QueryResponse = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    data: z.discriminatedUnion('resultType', [
      z.object({ resultType: z.literal('vector'), result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: SampleValue })) }),
      z.object({ resultType: z.literal('scalar'), result: SampleValue }),
      z.object({ resultType: z.literal('matrix'), result: z.array(z.unknown()) }),
      z.object({ resultType: z.literal('string'), result: z.unknown() }),
    ]),
    warnings: z.array(z.string()).optional(),
  }),
  z.object({ status: z.literal('error'), errorType: z.string(), error: z.string() }),
]);

/** What the budget reader needs from Prometheus: instant queries. `PrometheusClient` is the real one. */
export interface InstantQueryClient {
  query(promql: string, opts?: { time?: Date; signal?: AbortSignal }): Promise<PromSample[]>;
}

export interface PrometheusClientOptions {
  /** Prometheus base URL, e.g. `http://127.0.0.1:9090`. */
  baseUrl: string;
  /** Longest one query may take. @defaultValue `10000` */
  timeoutMs?: number;
  /** Retries on 5xx/network errors (queries are idempotent). @defaultValue `2` */
  maxRetries?: number;
}

/**
 * A small client of Prometheus's HTTP API: instant queries (`GET /api/v1/query`).
 * @see https://prometheus.io/docs/prometheus/latest/querying/api/#instant-queries
 */
export class PrometheusClient implements InstantQueryClient {
  /** The base URL without credentials: what requests go to and what error messages (shown in Discord) name. */
  readonly #baseUrl: string;
  /** `Basic …` when the URL carried `user:password@` (a Prometheus behind a proxy with basic auth); never shown. */
  readonly #authorization: string | undefined;
  readonly #timeoutMs: number;
  readonly #maxRetries: number;

  constructor(opts: PrometheusClientOptions) {
    const { url, authorization } = splitCredentials(opts.baseUrl.replace(/\/+$/, ''));
    this.#baseUrl = url;
    this.#authorization = authorization;
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    this.#maxRetries = opts.maxRetries ?? 2;
    if (!(this.#timeoutMs > 0)) throw new RangeError('timeoutMs must be greater than 0');
  }

  /** Evaluates `promql` at `time` (default: now) and returns the samples of its instant vector (or the scalar). */
  async query(promql: string, opts: { time?: Date; signal?: AbortSignal } = {}): Promise<PromSample[]> {
    const url = `${this.#baseUrl}/api/v1/query`;
    const searchParams = new URLSearchParams({ query: promql });
    if (opts.time) searchParams.set('time', String(opts.time.getTime() / 1_000));
    let body: unknown;
    try {
      body = await ky
        .get(url, {
          searchParams,
          ...(this.#authorization ? { headers: { authorization: this.#authorization } } : {}),
          timeout: this.#timeoutMs,
          signal: opts.signal,
          // 400 (bad_data) and 422 (execution) carry Prometheus's own error JSON; read it rather than throw.
          throwHttpErrors: (status) => status !== 400 && status !== 422,
          retry: { limit: this.#maxRetries, statusCodes: [408, 429, 500, 502, 503, 504], backoffLimit: 2_000 },
        })
        .json();
    } catch (err) {
      throw queryError(err, this.#baseUrl, promql, this.#timeoutMs);
    }
    const parsed = QueryResponse.safeParse(body);
    if (!parsed.success) {
      throw new HelixError('prometheus_query_failed', `Prometheus at ${this.#baseUrl} answered the query in an unexpected shape (${z.prettifyError(parsed.error).slice(0, 300)}). Is slo.prometheusUrl a Prometheus server?`);
    }
    const reply = parsed.data;
    if (reply.status === 'error') {
      throw new HelixError('prometheus_query_failed', `Prometheus rejected the query ${clip(promql)} (${reply.errorType}: ${reply.error}).`);
    }
    const data = reply.data;
    if (data.resultType === 'vector') return data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]), time: r.value[0] }));
    if (data.resultType === 'scalar') return [{ labels: {}, value: Number(data.result[1]), time: data.result[0] }];
    throw new HelixError('prometheus_query_failed', `The query ${clip(promql)} returned a ${data.resultType}, not an instant vector.`);
  }
}

function queryError(err: unknown, baseUrl: string, promql: string, timeoutMs: number): HelixError {
  if (err instanceof HelixError) return err;
  if (err instanceof TimeoutError) return new HelixError('prometheus_query_failed', `Prometheus at ${baseUrl} did not answer ${clip(promql)} within ${timeoutMs} ms.`, { cause: err });
  if (err instanceof HTTPError) return new HelixError('prometheus_query_failed', `Prometheus at ${baseUrl} answered ${err.response.status} to ${clip(promql)}. Check slo.prometheusUrl.`, { cause: err });
  if (err instanceof SyntaxError) return new HelixError('prometheus_query_failed', `Prometheus at ${baseUrl} did not answer JSON. Is slo.prometheusUrl a Prometheus server?`, { cause: err });
  const code = errnoCode(err);
  return new HelixError('prometheus_query_failed', `Prometheus is not reachable at ${baseUrl} (${code ?? (err as Error).message}). Is it running, and is slo.prometheusUrl right?`, { cause: err });
}

/**
 * `http://user:secret@host` → `http://host` plus a Basic authorization header: fetch refuses URLs with
 * credentials, and the URL shows up in messages (Discord answers, logs), where a password must never go.
 */
function splitCredentials(url: string): { url: string; authorization: string | undefined } {
  if (!URL.canParse(url)) return { url: url.replace(/\/\/[^/@]*@/, '//'), authorization: undefined };
  const u = new URL(url);
  if (!u.username && !u.password) return { url, authorization: undefined };
  const authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
  u.username = '';
  u.password = '';
  return { url: u.toString().replace(/\/+$/, ''), authorization };
}

function clip(promql: string): string {
  return promql.length > 120 ? `${promql.slice(0, 117)}...` : promql;
}
