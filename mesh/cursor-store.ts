import type { Redis } from 'ioredis';
import { safePart } from './job-id.ts';

/** A cursor value: a non-negative decimal id (an X snowflake, a sequence number); `0` means "set, nothing seen yet". */
const CURSOR_VALUE = /^(0|[1-9]\d{0,39})$/;

// Advances the cursor only forward: decimal strings without leading zeros compare by length, then
// lexicographically (Lua numbers are doubles and lose precision above 2^53, snowflakes go past it).
const ADVANCE = `
local cur = redis.call('GET', KEYS[1])
local new = ARGV[1]
if cur and (string.len(cur) > string.len(new) or (string.len(cur) == string.len(new) and cur >= new)) then
  return 0
end
redis.call('SET', KEYS[1], new)
return 1
`;

/**
 * Small durable cursors a bot keeps between restarts (the newest X mention it has queued, the newest
 * DM event...): `<prefix>:cursor:<name>` in Redis, no expiry. {@link advance} is an atomic
 * compare-and-set, so a slow poller holding an older id never moves a cursor back.
 * Callers advance a cursor only after what it covers is durably on a queue.
 */
export class CursorStore {
  readonly #redis: Redis;
  readonly #keyBase: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#keyBase = `${prefix}:cursor:`;
  }

  /** True when `value` is something {@link advance} accepts. */
  static isValue(value: string): boolean {
    return CURSOR_VALUE.test(value);
  }

  /** The cursor's value, or undefined when it was never set. */
  async get(name: string): Promise<string | undefined> {
    return (await this.#redis.get(this.#key(name))) ?? undefined;
  }

  /** Moves the cursor to `value` if that is newer than what is stored; resolves to whether it moved. */
  async advance(name: string, value: string): Promise<boolean> {
    if (!CURSOR_VALUE.test(value)) throw new RangeError(`cursor ${name}: "${value}" is not a decimal id`);
    const moved = await this.#redis.eval(ADVANCE, 1, this.#key(name), value);
    return moved === 1;
  }

  #key(name: string): string {
    return this.#keyBase + safePart(name);
  }
}
