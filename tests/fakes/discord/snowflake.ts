// Discord snowflakes: 64-bit ids, (ms since 2015-01-01) << 22 | worker << 17 | process << 12 | increment.
// discord.js derives createdTimestamp from them, so they must decode to a sane time.

export const DISCORD_EPOCH = 1_420_070_400_000n;

export interface SnowflakeGenerator {
  /** A fresh id for "now" (strictly increasing within this generator). */
  next(): string;
}

export function snowflakeGenerator(workerId = 1, processId = 0): SnowflakeGenerator {
  let increment = 0n;
  let lastMs = 0n;
  return {
    next() {
      let ms = BigInt(Date.now());
      if (ms < lastMs) ms = lastMs;
      if (ms === lastMs) {
        increment = (increment + 1n) & 0xfffn;
        if (increment === 0n) ms = lastMs + 1n; // 4096 ids in one ms: borrow the next ms
      } else {
        increment = 0n;
      }
      lastMs = ms;
      return (((ms - DISCORD_EPOCH) << 22n) | (BigInt(workerId & 31) << 17n) | (BigInt(processId & 31) << 12n) | increment).toString();
    },
  };
}

/** Milliseconds since the Unix epoch at which a snowflake was made. */
export function snowflakeTimestamp(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}

/** The shard a guild belongs to, as Discord computes it: (guild_id >> 22) % num_shards. */
export function shardForGuild(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}
