import { HelixError } from '../../mesh/index.ts';

/** Discord JSON error codes the bot treats specially. @see https://discord.com/developers/docs/topics/opcodes-and-status-codes#json-json-error-codes */
export const DiscordCode = {
  UnknownChannel: 10003,
  UnknownMessage: 10008,
  UnknownWebhook: 10015,
  UnknownInteraction: 10062,
  InteractionAlreadyAcknowledged: 40060,
  MissingAccess: 50001,
  CannotSendToUser: 50007,
  MissingPermissions: 50013,
  InvalidWebhookToken: 50027,
} as const;

const HINTS: Record<number, string> = {
  [DiscordCode.MissingAccess]: 'Give the bot View Channel and Send Messages in that channel (or re-invite it with those permissions).',
  [DiscordCode.MissingPermissions]: 'Give the bot the permission this needs there (Send Messages, Embed Links, Send Messages in Threads).',
  [DiscordCode.UnknownChannel]: 'The channel is gone or the bot cannot see it.',
  [DiscordCode.CannotSendToUser]: 'The person does not accept DMs from this bot.',
  [DiscordCode.InvalidWebhookToken]: 'The interaction is older than 15 minutes; its token has expired.',
};

/** Interaction tokens are credentials: never let one into a log line or a dead-letter reason. */
export function redactUrl(url: string): string {
  return url.replace(/\/(webhooks|interactions)\/(\d+)\/[^/?#]+/g, '/$1/$2/:token');
}

interface RestFailure {
  name?: unknown;
  status?: unknown;
  code?: unknown;
  method?: unknown;
  url?: unknown;
  message?: unknown;
  retryAfter?: unknown;
  global?: unknown;
}

/** True when `err` is discord.js REST refusing because of a rate limit (`rejectOnRateLimit`). */
export function isRateLimit(err: unknown): boolean {
  return typeof (err as RestFailure | undefined)?.name === 'string' && String((err as RestFailure).name).startsWith('RateLimitError');
}

/** The Discord JSON error code of a REST failure, if it has one. */
export function discordCode(err: unknown): number | undefined {
  const code = (err as RestFailure | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Sorts a REST failure the way the queue needs it (discord.js rest `Shared.ts` sorts the same way):
 * a rate limit becomes `platform_rate_limited` with Retry-After as `retryAfterMs` (the queue's backoff
 * waits exactly that); any other 4xx is `platform_rejected` (dead-lettered with the reason); 5xx,
 * timeouts and network errors are `platform_unavailable` (retried with backoff). Matched by name and
 * fields, not `instanceof` (see STYLE §5).
 */
export function toHelixError(err: unknown, what: string): HelixError {
  if (err instanceof HelixError) return err;
  const e = (err ?? {}) as RestFailure;
  // A webhook URL carries the interaction token: keep such a cause out of logs (pino serializes causes).
  const cause = typeof e.url === 'string' && redactUrl(e.url) !== e.url ? undefined : err;
  const where = `${typeof e.method === 'string' ? e.method.toUpperCase() : ''} ${typeof e.url === 'string' ? redactUrl(e.url) : ''}`.trim();
  if (isRateLimit(err)) {
    const retryAfterMs = typeof e.retryAfter === 'number' && e.retryAfter > 0 ? e.retryAfter : 1_000;
    return new HelixError('platform_rate_limited', `Discord rate-limited ${what} (${where}${e.global ? ', global' : ''}); retrying after ${retryAfterMs} ms.`, { retryAfterMs, cause });
  }
  const status = typeof e.status === 'number' ? e.status : undefined;
  const message = typeof e.message === 'string' ? redactUrl(e.message) : String(err);
  if (status !== undefined && status >= 400 && status < 500) {
    const code = discordCode(err);
    const hint = code !== undefined ? HINTS[code] : undefined;
    return new HelixError('platform_rejected', `Discord refused ${what}: ${status}${code !== undefined ? ` (code ${code})` : ''} ${message} [${where}]${hint ? ` ${hint}` : ''}`, { cause });
  }
  return new HelixError('platform_unavailable', `Discord could not be reached for ${what}${status ? ` (HTTP ${status})` : ''}: ${message}${where ? ` [${where}]` : ''}. Retrying.`, { cause });
}
