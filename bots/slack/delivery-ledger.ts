import type { Redis } from 'ioredis';
import { safePart } from '../../mesh/index.ts';

/**
 * Which messages of a reply are already on Slack: `<prefix>:slack:posted:<replyId>` is a hash of
 * message index → Slack message ts, kept for the dedupe window. A delivery retried after a crash or
 * a 429 skips what it already posted (Slack has no nonce: a crash between a post and its record here
 * can still repeat that one message).
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

  /** Message ids already posted for a reply, by index. */
  async posted(replyId: string): Promise<Map<number, string>> {
    const raw = await this.#redis.hgetall(this.#key(replyId));
    return new Map(Object.entries(raw).map(([k, v]) => [Number(k), v]));
  }

  /** Records that message `index` of a reply was posted as `messageId`. */
  async record(replyId: string, index: number, messageId: string): Promise<void> {
    const key = this.#key(replyId);
    await this.#redis.multi().hset(key, String(index), messageId).expire(key, this.#ttlSec).exec();
  }

  #key(replyId: string): string {
    return `${this.#prefix}:slack:posted:${safePart(replyId)}`;
  }
}
