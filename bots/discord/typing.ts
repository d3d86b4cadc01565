import type { Logger } from '../../mesh/index.ts';
import { compareSnowflakes } from './channel-replies.ts';

export interface TypingIndicatorOptions {
  /** Sends one typing indicator to a channel. */
  send(channelId: string): Promise<unknown>;
  /** How often to renew it. @defaultValue `8000` (discord.typingIntervalMs) */
  intervalMs: number;
  /** Wait this long before the first indicator: a reply that comes sooner needs none. @defaultValue `500` (discord.typingDelayMs) */
  delayMs: number;
  /** Stop renewing after this long without a reply. @defaultValue `60000` */
  maxMs: number;
  /**
   * Whether the channel was answered up to this message, by any bot process (see ChannelReplies): asked
   * before each renewal, so an indicator whose reply another process delivered stops. Without it, only this
   * process's `stop` ends one.
   */
  answered?(channelId: string, messageId: string): Promise<boolean>;
  log: Logger;
}

interface Active {
  timer: NodeJS.Timeout;
  until: number;
  /** The newest message the indicator is shown for (a snowflake), when known. */
  messageId: string | undefined;
}

/**
 * "Helix is typing…" while the brain works: shown `delayMs` after a message is accepted (a quick reply
 * needs no indicator, and it saves a request against Discord's rate limits), renewed every `intervalMs`
 * until the final reply for that channel is delivered (`stop` in this process, or, when another bot process
 * delivered it, the channel's reply mark read before a renewal), and given up after `maxMs`.
 * Best effort: a failed indicator is logged at debug and never fails anything else.
 */
export class TypingIndicator {
  readonly #opts: TypingIndicatorOptions;
  readonly #active = new Map<string, Active>();
  #closed = false;

  constructor(opts: TypingIndicatorOptions) {
    this.#opts = opts;
  }

  /** Starts (or extends) the indicator in a channel, for message `messageId` (a snowflake) when given. */
  start(channelId: string, messageId?: string): void {
    if (this.#closed) return;
    const until = Date.now() + this.#opts.maxMs;
    const active = this.#active.get(channelId);
    if (active) {
      active.until = until;
      if (messageId && (!active.messageId || compareSnowflakes(messageId, active.messageId) > 0)) active.messageId = messageId;
      return;
    }
    const entry: Active = { timer: setTimeout(() => this.#begin(channelId), this.#opts.delayMs), until, messageId };
    entry.timer.unref();
    this.#active.set(channelId, entry);
  }

  #begin(channelId: string): void {
    const entry = this.#active.get(channelId);
    if (!entry) return;
    entry.timer = setInterval(() => void this.#renew(channelId), this.#opts.intervalMs);
    entry.timer.unref();
    // The first one too: another process may have answered within the delay.
    void this.#renew(channelId);
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

  async #renew(channelId: string): Promise<void> {
    const a = this.#active.get(channelId);
    if (!a || Date.now() >= a.until) {
      this.stop(channelId);
      return;
    }
    const { messageId } = a;
    if (messageId && this.#opts.answered) {
      let answered = false;
      try {
        answered = await this.#opts.answered(channelId, messageId);
      } catch (err) {
        this.#opts.log.debug({ channel_id: channelId, err: (err as Error).message }, 'reply mark not read; typing renewed');
      }
      if (this.#active.get(channelId) !== a) return; // stopped meanwhile
      // Answered up to the message it was shown for, and no newer message came in meanwhile.
      if (answered && a.messageId === messageId) {
        this.stop(channelId);
        return;
      }
    }
    this.#send(channelId);
  }

  #send(channelId: string): void {
    this.#opts.send(channelId).catch((err: unknown) => this.#opts.log.debug({ channel_id: channelId, err: (err as Error).message }, 'typing indicator not sent'));
  }
}
