import type { Logger } from '../../mesh/index.ts';

export interface TypingIndicatorOptions {
  /** Sends one typing indicator to a channel. */
  send(channelId: string): Promise<unknown>;
  /** How often to renew it. @defaultValue `8000` (discord.typingIntervalMs) */
  intervalMs: number;
  /** Wait this long before the first indicator: a reply that comes sooner needs none. @defaultValue `500` (discord.typingDelayMs) */
  delayMs: number;
  /** Stop renewing after this long without a reply. @defaultValue `60000` */
  maxMs: number;
  log: Logger;
}

interface Active {
  timer: NodeJS.Timeout;
  until: number;
}

/**
 * "Helix is typing…" while the brain works: shown `delayMs` after a message is accepted (a quick reply
 * needs no indicator, and it saves a request against Discord's rate limits), renewed every `intervalMs`
 * until the final reply for that channel is delivered (`stop`), and given up after `maxMs`.
 * Best effort: a failed indicator is logged at debug and never fails anything else.
 */
export class TypingIndicator {
  readonly #opts: TypingIndicatorOptions;
  readonly #active = new Map<string, Active>();
  #closed = false;

  constructor(opts: TypingIndicatorOptions) {
    this.#opts = opts;
  }

  /** Starts (or extends) the indicator in a channel. */
  start(channelId: string): void {
    if (this.#closed) return;
    const until = Date.now() + this.#opts.maxMs;
    const active = this.#active.get(channelId);
    if (active) {
      active.until = until;
      return;
    }
    const entry: Active = { timer: setTimeout(() => this.#begin(channelId), this.#opts.delayMs), until };
    entry.timer.unref();
    this.#active.set(channelId, entry);
  }

  #begin(channelId: string): void {
    const entry = this.#active.get(channelId);
    if (!entry) return;
    entry.timer = setInterval(() => {
      const a = this.#active.get(channelId);
      if (!a || Date.now() >= a.until) this.stop(channelId);
      else this.#send(channelId);
    }, this.#opts.intervalMs);
    entry.timer.unref();
    this.#send(channelId);
  }

  /** Stops the indicator in a channel (the reply is there). */
  stop(channelId: string): void {
    const a = this.#active.get(channelId);
    if (!a) return;
    clearTimeout(a.timer); // clears either the first delay or the renewal interval
    this.#active.delete(channelId);
  }

  /** Channels currently showing Helix as typing. */
  get active(): number {
    return this.#active.size;
  }

  close(): void {
    this.#closed = true;
    for (const id of [...this.#active.keys()]) this.stop(id);
  }

  #send(channelId: string): void {
    this.#opts.send(channelId).catch((err: unknown) => this.#opts.log.debug({ channel_id: channelId, err: (err as Error).message }, 'typing indicator not sent'));
  }
}
