/** A small in-process cache: entries expire after `ttlMs`, the oldest goes when `maxEntries` is reached. */
export class TtlCache<V> {
  readonly #entries = new Map<string, { value: V; until: number }>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;

  constructor(ttlMs: number, maxEntries: number) {
    if (ttlMs <= 0 || maxEntries <= 0) throw new Error('TtlCache ttlMs and maxEntries must be greater than 0');
    this.#ttlMs = ttlMs;
    this.#maxEntries = maxEntries;
  }

  get(key: string, nowMs: number): V | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    if (e.until <= nowMs) {
      this.#entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: V, nowMs: number): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, until: nowMs + this.#ttlMs });
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** Drops every entry whose value matches (e.g. every account of a merged person). */
  deleteWhere(match: (value: V) => boolean): void {
    for (const [k, e] of this.#entries) if (match(e.value)) this.#entries.delete(k);
  }

  get size(): number {
    return this.#entries.size;
  }
}
