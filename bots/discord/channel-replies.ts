import type { Redis } from 'ioredis';

/**
 * Newest message each channel has been answered up to, shared by every Discord process through Redis. With
 * several bot processes, the one that accepted a message shows "typing" there, while whichever process's
 * delivery worker takes the reply posts it: the typing process reads this before renewing its indicator, and
 * stops once the channel was answered up to the message it is typing for. Message ids are Discord snowflakes,
 * ordered by Discord's own clock, so the processes' clocks never matter. Hand-written: a few lines over Redis.
 */
export class ChannelReplies {
  readonly #redis: Redis & ReplyMarkCommands;
  readonly #prefix: string;
  readonly #ttlMs: number;

  /** `ttlMs`: how long a mark is kept (the longest any indicator is shown is enough). */
  constructor(redis: Redis, prefix: string, ttlMs: number) {
    if (!(redis as Partial<ReplyMarkCommands>).helixDiscordReplied) redis.defineCommand('helixDiscordReplied', { numberOfKeys: 1, lua: RAISE });
    this.#redis = redis as Redis & ReplyMarkCommands;
    this.#prefix = prefix;
    this.#ttlMs = ttlMs;
  }

  /** Records that `channelId` was answered up to message `messageId` (never moving the mark back). */
  async mark(channelId: string, messageId: string): Promise<void> {
    await this.#redis.helixDiscordReplied(this.#key(channelId), messageId, this.#ttlMs);
  }

  /** Whether `channelId` was answered up to `messageId` or a later message. */
  async answered(channelId: string, messageId: string): Promise<boolean> {
    const mark = await this.#redis.get(this.#key(channelId));
    return mark !== null && compareSnowflakes(mark, messageId) >= 0;
  }

  #key(channelId: string): string {
    return `${this.#prefix}:discord:replied:${channelId}`;
  }
}

interface ReplyMarkCommands {
  helixDiscordReplied(key: string, messageId: string, ttlMs: number): Promise<unknown>;
}

// KEYS: the channel's mark. ARGV: messageId, ttlMs. Snowflakes are compared as decimal strings: longer is later.
const RAISE = `
local cur = redis.call('GET', KEYS[1])
if cur and (#cur > #ARGV[1] or (#cur == #ARGV[1] and cur > ARGV[1])) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;

/** Orders two snowflakes (decimal strings without leading zeros): negative, zero or positive. */
export function compareSnowflakes(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}
