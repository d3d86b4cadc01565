import type { Redis } from 'ioredis';
import { safePart } from '../../mesh/index.ts';
import { INTERACTION_TOKEN_TTL_MS } from './limits.ts';

/** How an interaction was acknowledged: deferred (a response is awaited) or answered (nothing more to say). */
export type AckKind = 'deferred' | 'answered';

/**
 * Interactions' state shared by the bot processes, each kept as long as an interaction token lives:
 * - how an interaction was acknowledged (`<prefix>:discord:ack:<interaction id>`). The bot enqueues before it
 *   defers, so a fast brain's answer can reach delivery before the defer has landed; delivery waits for this
 *   mark instead of editing a response that does not exist yet;
 * - its token (`<prefix>:discord:itoken:<interaction id>`). The token lets anyone answer as the app for 15
 *   minutes, so it stays here and never travels in an envelope: queued jobs, dead letters and the brain's
 *   logs carry only the interaction id.
 */
export class InteractionAcks {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  async mark(interactionId: string, kind: AckKind): Promise<void> {
    await this.#redis.set(this.#key(interactionId), kind, 'PX', INTERACTION_TOKEN_TTL_MS);
  }

  async get(interactionId: string): Promise<AckKind | undefined> {
    const v = await this.#redis.get(this.#key(interactionId));
    return v === 'deferred' || v === 'answered' ? v : undefined;
  }

  /** Keeps an interaction's token for whichever process delivers its answer. */
  async keepToken(interactionId: string, token: string): Promise<void> {
    await this.#redis.set(this.#key(interactionId, 'itoken'), token, 'PX', INTERACTION_TOKEN_TTL_MS);
  }

  /** The interaction's token while it lives; undefined once expired (or never kept). */
  async token(interactionId: string): Promise<string | undefined> {
    return (await this.#redis.get(this.#key(interactionId, 'itoken'))) ?? undefined;
  }

  #key(interactionId: string, what: 'ack' | 'itoken' = 'ack'): string {
    return `${this.#prefix}:discord:${what}:${safePart(interactionId)}`;
  }
}
