// Hand-written rather than p-limit/p-queue: neither is a dependency, and what we need (FIFO, a waiter that
// leaves the queue on abort, a release that hands its slot straight to the next waiter) is 30 lines.
/** A FIFO counting semaphore whose waiters leave the line when their signal aborts. */
export class Semaphore {
  #free: number;
  readonly #waiters: Array<{ grant: () => void; fail: (err: unknown) => void }> = [];

  constructor(slots: number) {
    this.#free = slots;
  }

  /** Resolves with a release function (safe to call twice) once a slot is free. */
  async acquire(signal: AbortSignal | undefined): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.#free > 0) {
      this.#free--;
      return this.#releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        fail: (err: unknown) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      const onAbort = () => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
    return this.#releaser();
  }

  /** A slot if one is free right now (nobody waits for one), else undefined: for work that may go elsewhere. */
  tryAcquire(): (() => void) | undefined {
    if (this.#free === 0) return undefined;
    this.#free--;
    return this.#releaser();
  }

  /** Rejects everyone still waiting with `err` (on close). */
  failAll(err: unknown): void {
    for (const w of this.#waiters.splice(0)) w.fail(err);
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      if (next) next.grant();
      else this.#free++;
    };
  }
}
