import type { Redis } from 'ioredis';

/** An event pushed to a browser stream. */
export type LiveEvent =
  | { type: 'user' | 'final'; id: number; entry: unknown }
  | { type: 'draft'; replyId: string; seq: number; text: string };

type Listener = (event: LiveEvent) => void;

/**
 * Routes live events to the browser streams this process holds. Every web process subscribes to all
 * sessions' channels with one pattern, so whichever replica consumed a reply reaches the browser
 * wherever its stream is open.
 */
export class LiveHub {
  readonly #sub: Redis;
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #pattern: string;
  readonly #prefixLength: number;
  #closing: Promise<void> | undefined;

  private constructor(sub: Redis, pattern: string) {
    this.#sub = sub;
    this.#pattern = pattern;
    this.#prefixLength = pattern.length - 1;
  }

  /** Subscribes `sub` (a connection used for nothing else) to `pattern` (`<prefix>:web:live:*`). */
  static async start(sub: Redis, pattern: string): Promise<LiveHub> {
    const hub = new LiveHub(sub, pattern);
    sub.on('pmessage', (_p: string, channel: string, message: string) => hub.#dispatch(channel.slice(hub.#prefixLength), message));
    await sub.psubscribe(pattern);
    return hub;
  }

  /** Listens to one session; returns the function that stops listening. */
  listen(sessionId: string, listener: Listener): () => void {
    let set = this.#listeners.get(sessionId);
    if (!set) this.#listeners.set(sessionId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(sessionId);
    };
  }

  /** Open browser streams in this process. */
  get streams(): number {
    let n = 0;
    for (const s of this.#listeners.values()) n += s.size;
    return n;
  }

  #dispatch(sessionId: string, message: string): void {
    const set = this.#listeners.get(sessionId);
    if (!set) return;
    let event: LiveEvent;
    try {
      event = JSON.parse(message) as LiveEvent;
    } catch {
      return;
    }
    for (const l of set) l(event);
  }

  close(): Promise<void> {
    this.#closing ??= this.#sub.punsubscribe(this.#pattern).then(
      () => undefined,
      () => undefined,
    );
    return this.#closing;
  }
}
