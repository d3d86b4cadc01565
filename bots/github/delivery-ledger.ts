import type { Redis } from 'ioredis';
import { safePart } from '../../mesh/index.ts';

/**
 * Which comments of a reply are already on GitHub: `<prefix>:github:posted:<replyId>` is a hash of
 * comment index → GitHub comment id, kept for the dedupe window. A delivery retried after a crash or
 * a rate limit skips what it already posted.
 */
export class DeliveryLedger {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttlSec: number;

  constructor(redis: Redis, prefix: string, ttlSec: number) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#ttlSec = ttlSec;
  }

  /** Comment ids already posted for a reply, by index. */
  async posted(replyId: string): Promise<Map<number, string>> {
    const raw = await this.#redis.hgetall(this.#key(replyId));
    return new Map(Object.entries(raw).map(([k, v]) => [Number(k), v]));
  }

  /** Records that comment `index` of a reply was posted as `commentId`. */
  async record(replyId: string, index: number, commentId: string): Promise<void> {
    const key = this.#key(replyId);
    await this.#redis.multi().hset(key, String(index), commentId).expire(key, this.#ttlSec).exec();
  }

  #key(replyId: string): string {
    return `${this.#prefix}:github:posted:${safePart(replyId)}`;
  }
}
