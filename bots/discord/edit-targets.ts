import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { safePart } from '../../mesh/index.ts';
import { EDIT_TARGET_TTL_SEC } from './limits.ts';

/** The Discord messages an edit key points at, and the newest reply applied to them. */
export interface EditTarget {
  channelId: string;
  messageIds: string[];
  /** `createdAt` of the last reply applied: an older reply arriving late does not undo a newer one. */
  updatedAt: string;
}

// KEYS: lock. ARGV: owner. Deletes the lock only if this owner still holds it.
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * The edit-in-place map: `<prefix>:discord:edit:<key>` → the channel and message ids a reply with that
 * `editKey` created (kept 30 days, renewed on every edit). Deliveries of one key are serialized by a
 * short Redis lock so two bot processes never both create the first message.
 */
export class EditTargets {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  async get(editKey: string): Promise<EditTarget | undefined> {
    const raw = await this.#redis.get(this.#key(editKey));
    if (!raw) return undefined;
    try {
      const t = JSON.parse(raw) as EditTarget;
      return typeof t.channelId === 'string' && Array.isArray(t.messageIds) ? t : undefined;
    } catch {
      return undefined;
    }
  }

  async set(editKey: string, target: EditTarget): Promise<void> {
    await this.#redis.set(this.#key(editKey), JSON.stringify(target), 'EX', EDIT_TARGET_TTL_SEC);
  }

  /**
   * Runs `fn` holding the key's lock (waiting up to `waitMs` for another delivery to finish). The lock
   * expires on its own after `leaseMs` in case its holder dies.
   */
  async withLock<T>(editKey: string, fn: () => Promise<T>, opts: { waitMs?: number; leaseMs?: number } = {}): Promise<T> {
    const lock = `${this.#key(editKey)}:lock`;
    const owner = randomUUID();
    const deadline = Date.now() + (opts.waitMs ?? 10_000);
    while ((await this.#redis.set(lock, owner, 'PX', opts.leaseMs ?? 30_000, 'NX')) !== 'OK') {
      if (Date.now() > deadline) throw new Error(`edit key ${editKey} is locked by another delivery; will retry`);
      await new Promise((r) => setTimeout(r, 50));
    }
    try {
      return await fn();
    } finally {
      await this.#redis.eval(RELEASE, 1, lock, owner).catch(() => undefined);
    }
  }

  #key(editKey: string): string {
    return `${this.#prefix}:discord:edit:${safePart(editKey)}`;
  }
}
