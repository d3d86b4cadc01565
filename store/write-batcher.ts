/** Most calls written in one statement; a longer backlog goes in several. */
export const MAX_WRITE_BATCH = 64;

interface Pending<T> {
  readonly item: T;
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * Natural batching of one kind of write: calls made while an earlier batch is being written wait, and go
 * out together as one statement (`writeMany`) once it is done. An idle store writes a call at once, so a
 * lone turn never waits for company. Under load (many conversations answered at once) this turns many
 * one-row statements into one many-row statement: on PGlite a row costs about a third as much that way
 * (measured: relationship upserts, 32 at a time, ~160 µs each as single statements committed together,
 * ~51 µs in one statement). Hand-written because the batching must follow the store's own pace (no timer,
 * no fixed window), which no batching library does.
 *
 * If a batch fails, each of its calls is written again on its own, so every caller gets the answer or error
 * it would have had alone (a write for a person merged away meanwhile fails alone). `writeMany` must be
 * idempotent for that (an upsert, or an insert that skips what exists).
 */
export class WriteBatcher<T> {
  readonly #writeMany: (items: readonly T[]) => Promise<void>;
  readonly #max: number;
  readonly #pending: Pending<T>[] = [];
  #draining = false;

  constructor(writeMany: (items: readonly T[]) => Promise<void>, max = MAX_WRITE_BATCH) {
    if (!(max >= 1)) throw new Error('WriteBatcher max must be at least 1');
    this.#writeMany = writeMany;
    this.#max = max;
  }

  /** Resolves once the item is written (alone or with others). */
  write(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (!this.#draining) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#pending.length > 0) await this.#writeBatch(this.#pending.splice(0, this.#max));
    } finally {
      this.#draining = false;
    }
  }

  async #writeBatch(batch: readonly Pending<T>[]): Promise<void> {
    try {
      await this.#writeMany(batch.map((p) => p.item));
      for (const p of batch) p.resolve();
      return;
    } catch (err) {
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
    }
    for (const p of batch) {
      try {
        await this.#writeMany([p.item]);
        p.resolve();
      } catch (err) {
        p.reject(err);
      }
    }
  }
}
