// What the latency and throughput measurements drive: something that takes messages in and hands replies back.
// Two implementations: the Helix mesh (helix-pipe.ts) and bare BullMQ with the same hops (bare-pipe.ts).

/** One message of one conversation; `seq` counts from 1 within the conversation. */
export interface PipeMessage {
  conv: string;
  seq: number;
}

/** A reply as the consumer saw it: `seq` is the newest message it answers; `at` is performance.now() on arrival. */
export interface PipeReply {
  conv: string;
  seq: number;
  at: number;
}

export interface Pipe {
  readonly name: string;
  /** Puts messages on the first queue: one add for one message, addBulk for several. */
  send(messages: readonly PipeMessage[]): Promise<void>;
  /** Called for every reply the consumer receives (one listener; a new call replaces it). */
  onReply(listener: (reply: PipeReply) => void): void;
  close(): Promise<void>;
}

/** Waits for `done()` to be true, checking whenever `tick` is called and at least every 50 ms. */
export function waitUntil(done: () => boolean, timeoutMs: number, what: string): { promise: Promise<void>; tick: () => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const started = Date.now();
  const check = () => {
    if (done()) {
      clearInterval(timer);
      resolve();
    } else if (Date.now() - started > timeoutMs) {
      clearInterval(timer);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }
  };
  const timer = setInterval(check, 50);
  return { promise, tick: check };
}

/**
 * Sends `n` one-message turns one at a time (each a new conversation `<tag>-<i>`), each after the previous
 * reply: the diagnostics' way to drive a pipe. Takes over the pipe's reply callback.
 */
export function sequentialTurns(pipe: Pipe): (n: number, tag: string) => Promise<void> {
  let pending: ((r: PipeReply) => void) | undefined;
  pipe.onReply((r) => pending?.(r));
  return async (n, tag) => {
    for (let i = 0; i < n; i++) {
      const reply = new Promise<PipeReply>((resolve) => (pending = resolve));
      await pipe.send([{ conv: `${tag}-${i}`, seq: 1 }]);
      await reply;
    }
  };
}

/**
 * Like {@link sequentialTurns}, but `conversations` conversations answered in turn (`rr-<i>`), each one person
 * writing again: message n of conversation i is the (n / conversations)th of that person.
 */
export function returningTurns(pipe: Pipe, conversations: number): (n: number, tag: string) => Promise<void> {
  let pending: ((r: PipeReply) => void) | undefined;
  pipe.onReply((r) => pending?.(r));
  let sent = 0;
  return async (n) => {
    for (let i = 0; i < n; i++, sent++) {
      const reply = new Promise<PipeReply>((resolve) => (pending = resolve));
      await pipe.send([{ conv: `rr-${sent % conversations}`, seq: Math.floor(sent / conversations) + 1 }]);
      await reply;
    }
  };
}
