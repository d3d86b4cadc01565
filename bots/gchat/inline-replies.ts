import type { Redis } from 'ioredis';
import { safePart } from '../../mesh/index.ts';

/** A Chat message as the synchronous answer to an event (also the body `spaces.messages.create` takes). */
export interface ChatMessage {
  text: string;
  thread?: { name: string };
}

/** How a reply reached Chat. */
export type HandoffResult = 'inline' | 'async';

const ASYNC = 'async';
const SENT = 'sent';
const INLINE = 'inline:';

/** Compare-and-set: replaces KEYS[1] by ARGV[2] only while it still holds ARGV[1]. */
const CAS = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 else return 0 end`;

/**
 * Decides, across every bot replica, whether a reply goes back inline (as the HTTP answer to the event)
 * or later through `spaces.messages.create`, so that exactly one of the two happens.
 *
 * The HTTP request holding an event may be on replica A while the reply's outbound job is consumed by
 * replica B. One Redis key per event, `claim`, is the arbiter; whoever sets it first (SET NX) decides:
 * - A, before queueing the turn, marks `wait` (PX = the inline budget) and listens on a pub/sub channel.
 * - B, with a one-message reply: if `wait` is still there, it tries `SET claim "inline:<message>" NX`
 *   and publishes the event id; otherwise (or with a multi-message reply) `SET claim "async" NX`.
 * - A, when told (or at the end of its budget, `SET claim "async" NX` first: if that wins, B will post),
 *   reads `claim`; an `inline:` value is taken with a compare-and-set to `sent`, and only then answered.
 * - B, having offered inline, waits up to `handoffMs` for `sent`; if A never takes it (A died, or its
 *   request ended), B takes it back with a compare-and-set to `async` and posts it itself.
 * Either compare-and-set wins, never both. The one window left is A dying after `sent` and before the
 * bytes reach Google, in which case that reply is lost rather than doubled. The pub/sub message is only a
 * wake-up: the reply itself travels in the key, so a lost publish at worst makes A answer at its deadline.
 */
export class InlineReplies {
  readonly #redis: Redis;
  readonly #sub: Redis;
  readonly #keyBase: string;
  readonly #channel: string;
  readonly #ttlMs: number;
  readonly #wakers = new Map<string, Set<() => void>>();
  #closing: Promise<void> | undefined;
  #closed = false;

  private constructor(redis: Redis, sub: Redis, prefix: string, ttlMs: number) {
    this.#redis = redis;
    this.#sub = sub;
    this.#keyBase = `${prefix}:gchat:inline:`;
    this.#channel = `${prefix}:gchat:inline`;
    this.#ttlMs = ttlMs;
  }

  /**
   * `redis` runs commands; `sub` (a connection used for nothing else) is subscribed to the wake-up channel.
   * `ttlMs` is how long a decision is kept (the dedupe window: a retried delivery job sees it).
   */
  static async start(redis: Redis, sub: Redis, prefix: string, ttlMs: number): Promise<InlineReplies> {
    const hub = new InlineReplies(redis, sub, prefix, ttlMs);
    sub.on('message', (channel: string, key: string) => {
      if (channel !== hub.#channel) return;
      for (const wake of hub.#wakers.get(key) ?? []) wake();
    });
    await sub.subscribe(hub.#channel);
    return hub;
  }

  /**
   * HTTP side, step one (before the turn is queued, so a fast reply cannot miss it): announces that a
   * request is waiting for this event's reply for `budgetMs`. Returns the wait; `result()` resolves with
   * the message to answer inline, or `undefined` (answer empty; the reply, if any, is posted later).
   */
  async begin(eventId: string, budgetMs: number): Promise<InlineWait> {
    const key = safePart(eventId);
    await this.#redis.set(this.#waitKey(key), '1', 'PX', Math.max(1, budgetMs));
    let wake: () => void = () => {};
    let woken = false;
    const set = this.#wakers.get(key) ?? new Set();
    this.#wakers.set(key, set);
    const listener = () => {
      woken = true;
      wake();
    };
    set.add(listener);
    const done = () => {
      set.delete(listener);
      if (set.size === 0) this.#wakers.delete(key);
      void this.#redis.del(this.#waitKey(key)).catch(() => undefined);
    };
    const deadline = Date.now() + budgetMs;
    return {
      result: async () => {
        try {
          for (;;) {
            const left = deadline - Date.now();
            if (!woken && left > 0) {
              await new Promise<void>((resolve) => {
                const timer = setTimeout(resolve, left);
                wake = () => {
                  clearTimeout(timer);
                  resolve();
                };
              });
            }
            const timedOut = !woken || this.#closed;
            woken = false;
            if (timedOut && (await this.#redis.set(this.#claimKey(key), ASYNC, 'PX', this.#ttlMs, 'NX')) === 'OK') return undefined;
            const value = await this.#redis.get(this.#claimKey(key));
            if (value?.startsWith(INLINE)) {
              const took = await this.#cas(key, value, SENT);
              return took ? (JSON.parse(value.slice(INLINE.length)) as ChatMessage) : undefined;
            }
            if (value !== null || timedOut) return undefined;
            // A wake-up for a claim not written yet (or not ours): keep waiting until the deadline.
          }
        } finally {
          done();
        }
      },
      cancel: done,
    };
  }

  /**
   * Delivery side: offers a reply for the event's inline answer. `message` is what to answer inline,
   * or undefined when the reply cannot go inline (more than one message): then it is claimed async.
   * Resolves `inline` when the HTTP request took it, `async` when the caller must post it.
   */
  async offer(eventId: string, message: ChatMessage | undefined, handoffMs: number): Promise<HandoffResult> {
    const key = safePart(eventId);
    const claim = this.#claimKey(key);
    if (message && (await this.#redis.exists(this.#waitKey(key))) === 1) {
      const value = INLINE + JSON.stringify(message);
      if ((await this.#redis.set(claim, value, 'PX', this.#ttlMs, 'NX')) === 'OK') await this.#redis.publish(this.#channel, key);
    } else {
      await this.#redis.set(claim, ASYNC, 'PX', this.#ttlMs, 'NX');
    }
    const until = Date.now() + handoffMs;
    for (;;) {
      const value = await this.#redis.get(claim);
      if (value === SENT) return 'inline';
      if (value === null || value === ASYNC) return 'async';
      // inline:<message>, not taken yet (a lost wake-up still ends in A reading it at its deadline).
      if (Date.now() < until) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      if (await this.#cas(key, value, ASYNC)) return 'async';
    }
  }

  /** Stops listening (the connections belong to the caller). Safe to call twice. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      for (const set of this.#wakers.values()) for (const wake of set) wake();
      await this.#sub.unsubscribe(this.#channel).catch(() => undefined);
    })();
    return this.#closing;
  }

  async #cas(key: string, expected: string, next: string): Promise<boolean> {
    return (await this.#redis.eval(CAS, 1, this.#claimKey(key), expected, next, String(this.#ttlMs))) === 1;
  }

  #waitKey(key: string): string {
    return `${this.#keyBase}wait:${key}`;
  }

  #claimKey(key: string): string {
    return `${this.#keyBase}claim:${key}`;
  }
}

/** One HTTP request's wait for its event's reply. */
export interface InlineWait {
  /** The message to answer inline, or undefined (answer empty). Call once. */
  result(): Promise<ChatMessage | undefined>;
  /** Gives up without waiting (the turn could not be queued). */
  cancel(): void;
}
