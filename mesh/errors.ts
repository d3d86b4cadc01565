/** Stable error codes. Match errors by `code` (or `name`) after they cross a queue, never by `instanceof`. */
export type HelixErrorCode =
  | 'config_invalid'
  | 'payload_invalid'
  | 'platform_rate_limited'
  | 'platform_rejected'
  | 'platform_unavailable'
  | 'model_unavailable'
  | 'model_rate_limited'
  | 'model_rejected'
  | 'model_timeout'
  | 'model_stream_cut'
  | 'model_file_invalid'
  | 'model_not_configured'
  | 'store_unavailable'
  | 'store_vector_missing'
  | 'memory_invalid'
  | 'embedder_unavailable'
  | 'embedder_rejected'
  | 'redis_unavailable'
  | 'access_denied'
  | 'discord_voice_join_failed'
  | 'voice_opus_invalid'
  | 'voice_audio_invalid'
  | 'voice_engine_unavailable'
  | 'voice_engine_rejected'
  | 'voice_engine_timeout'
  | 'slo_spec_invalid'
  | 'prometheus_query_failed'
  | 'page_failed'
  | 'page_refused'
  | 'schedule_feed_failed';

/** An error with a stable code, a message that says what to do next, and the cause kept. */
export class HelixError extends Error {
  override name = 'HelixError';
  readonly code: HelixErrorCode;
  /** When set, the failure is temporary and the caller should wait this long before retrying. */
  readonly retryAfterMs: number | undefined;
  constructor(code: HelixErrorCode, message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** True when `err` carries the given Helix code (works on errors rebuilt from a queue). */
export function hasErrorCode(err: unknown, code: HelixErrorCode): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
