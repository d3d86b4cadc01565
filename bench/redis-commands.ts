// Redis commands a measurement caused, from INFO commandstats. The counts are server-wide (any other client of the
// same Redis adds to them) and include the commands Lua scripts call; `evalsha` and `bzpopmin` are the client's own
// round trips (BullMQ and the mailbox run every step as a script; idle workers block on `bzpopmin`).
import type { Redis } from 'ioredis';

/** Calls per command name so far. */
export async function commandCalls(redis: Redis): Promise<Map<string, number>> {
  const calls = new Map<string, number>();
  for (const m of (await redis.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(m[1]!, Number(m[2]));
  return calls;
}

/** Adds the calls between two readings to `into` (the reading's own `info` left out). */
export function addCallsBetween(before: Map<string, number>, after: Map<string, number>, into: Map<string, number>): void {
  for (const [name, n] of after) {
    if (name === 'info') continue;
    const d = n - (before.get(name) ?? 0);
    if (d > 0) into.set(name, (into.get(name) ?? 0) + d);
  }
}

/** The commands that are the client's own round trips: scripts and blocking pops. */
export const CLIENT_COMMANDS = ['evalsha', 'eval', 'bzpopmin'] as const;

/** Client round trips among `calls`. */
export function clientRoundTrips(calls: Map<string, number>): number {
  return CLIENT_COMMANDS.reduce((n, k) => n + (calls.get(k) ?? 0), 0);
}

/** Every command counted, scripts' own included. */
export function allCalls(calls: Map<string, number>): number {
  return [...calls.values()].reduce((a, n) => a + n, 0);
}
