import type { Redis } from 'ioredis';
import { safePart } from '../../mesh/index.ts';
import { INTERACTION_TOKEN_TTL_MS } from './limits.ts';

/** How an interaction was acknowledged: deferred (a response is awaited) or answered (nothing more to say). */
export type AckKind = 'deferred' | 'answered';

/**
 * Which interactions this bot has acknowledged (`<prefix>:discord:ack:<interaction id>`, kept as long as
 * the token lives). The bot enqueues before it defers, so a fast brain's answer can reach delivery
 * before the defer has landed; delivery waits for this mark instead of editing a response that does
 * not exist yet (and works across bot processes).
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

  #key(interactionId: string): string {
    return `${this.#prefix}:discord:ack:${safePart(interactionId)}`;
  }
}
