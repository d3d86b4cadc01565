import type { Redis } from 'ioredis';
import { safePart } from './job-id.ts';
import type { Platform } from './platform.ts';

/**
 * Which parts of a reply a bot has already posted: `<prefix>:<platform>:posted:<replyId>` is a hash of
 * part index → the platform's message id, kept for the dedupe window. A delivery retried after a crash
 * or a rate limit skips what it already posted. (A crash between a post and its record can still repeat
 * that one part, unless the platform takes an idempotency nonce, as Discord does.)
 */
export class DeliveryLedger {
  readonly #redis: Redis;
  readonly #keyBase: string;
  readonly #ttlSec: number;

  constructor(redis: Redis, prefix: string, platform: Platform, ttlSec: number) {
    this.#redis = redis;
    this.#keyBase = `${prefix}:${platform}:posted:`;
    this.#ttlSec = ttlSec;
  }

  /** Platform message ids already posted for a reply, by part index. */
  async posted(replyId: string): Promise<Map<number, string>> {
    const raw = await this.#redis.hgetall(this.#key(replyId));
    return new Map(Object.entries(raw).map(([k, v]) => [Number(k), v]));
  }

  /** Records that part `index` of a reply was posted as `messageId`. */
  async record(replyId: string, index: number, messageId: string): Promise<void> {
    const key = this.#key(replyId);
    await this.#redis.multi().hset(key, String(index), messageId).expire(key, this.#ttlSec).exec();
  }

  #key(replyId: string): string {
    return this.#keyBase + safePart(replyId);
  }
}
