import type { Redis } from 'ioredis';
import { HISTORY_DEDUPE_KEYS, HISTORY_ENTRIES, HISTORY_TTL_SEC } from './limits.ts';

/** One entry of a session's history, as the page renders it. */
export type HistoryEntry =
  | { id: number; kind: 'user'; eventId: string; text: string; at: string }
  | { id: number; kind: 'final'; replyId: string; parts: string[]; at: string };
type NewEntry = HistoryEntry extends infer E ? (E extends HistoryEntry ? Omit<E, 'id'> : never) : never;

// KEYS: seen (sorted set: dedupe key scored by its entry's id), seq counter, list. ARGV: dedupe key, entry json (without
// id), max entries, ttl, max dedupe keys. Returns the new entry's id, or 0 when the key was already recorded. Entries are
// stored as "<id>\t<json>". Only the newest dedupe keys are kept (a redelivery comes within minutes), so a session that
// stays active for months does not grow without end.
const APPEND = `
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
local id = redis.call('INCR', KEYS[2])
redis.call('ZADD', KEYS[1], id, ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -tonumber(ARGV[5]) - 1)
redis.call('RPUSH', KEYS[3], id .. '\\t' .. ARGV[2])
redis.call('LTRIM', KEYS[3], -tonumber(ARGV[3]), -1)
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[4]) end
return id
`;

interface AppendCommand {
  helixWebAppend(seen: string, seq: string, list: string, key: string, json: string, max: number, ttl: number, maxSeen: number): Promise<number>;
}

/**
 * A browser session's recent conversation in Redis, so a reconnecting or reloaded page misses nothing,
 * and a live channel so whichever web process holds the browser's stream gets the reply.
 * Hand-written Lua: the append must be idempotent (a redelivered reply is stored once) and atomic with its id.
 */
export class SessionHistory {
  readonly #redis: Redis & AppendCommand;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string) {
    if (!(redis as Partial<AppendCommand>).helixWebAppend) redis.defineCommand('helixWebAppend', { numberOfKeys: 3, lua: APPEND });
    this.#redis = redis as Redis & AppendCommand;
    this.#prefix = prefix;
  }

  /** Records an entry once per dedupe key; returns it with its id, or undefined if already recorded. */
  async append(sessionId: string, dedupeKey: string, entry: NewEntry): Promise<HistoryEntry | undefined> {
    const k = this.#keys(sessionId);
    const id = await this.#redis.helixWebAppend(k.seen, k.seq, k.list, dedupeKey, JSON.stringify(entry), HISTORY_ENTRIES, HISTORY_TTL_SEC, HISTORY_DEDUPE_KEYS);
    return id === 0 ? undefined : ({ ...entry, id } as HistoryEntry);
  }

  /** Entries with an id above `afterId`, oldest first. */
  async since(sessionId: string, afterId = 0): Promise<HistoryEntry[]> {
    const raw = await this.#redis.lrange(this.#keys(sessionId).list, 0, -1);
    const out: HistoryEntry[] = [];
    for (const line of raw) {
      const tab = line.indexOf('\t');
      const id = Number(line.slice(0, tab));
      if (id > afterId) out.push({ ...(JSON.parse(line.slice(tab + 1)) as NewEntry), id } as HistoryEntry);
    }
    return out;
  }

  /** The pub/sub channel live events of a session travel on. */
  channel(sessionId: string): string {
    return `${this.#prefix}:web:live:${sessionId}`;
  }

  /** Pattern matching every session's channel. */
  channelPattern(): string {
    return `${this.#prefix}:web:live:*`;
  }

  #keys(sessionId: string) {
    const base = `${this.#prefix}:web:s:${sessionId}`;
    // `:dedupe`, not the `:seen` hash earlier versions wrote (a different type under the same name would fail).
    return { seen: `${base}:dedupe`, seq: `${base}:seq`, list: `${base}:list` };
  }
}
