import type { Logger } from './observe/log.ts';

/** `p`, or a rejection naming `what` once `ms` have passed (the timer never keeps the process alive longer). */
export function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * One step of a process's shutdown: its name (for the log), what it does, and optionally what to do when
 * it does not finish in time (e.g. close a BullMQ worker without waiting for its jobs).
 */
export type CloseStep = readonly [name: string, run: () => unknown, forced?: () => unknown];

/**
 * Runs shutdown steps in order, each bounded by `deadlineMs`: with Redis unreachable, a BullMQ close waits
 * for it forever, and a stuck step must not keep the others (or the process) from closing. A step that
 * fails or times out is logged and, when it has one, forced (bounded by `forcedMs`); the next step runs.
 */
export async function runCloseSteps(steps: readonly CloseStep[], opts: { log: Logger; deadlineMs: number; forcedMs?: number }): Promise<void> {
  for (const [name, run, forced] of steps) {
    try {
      await withDeadline(Promise.resolve(run()), opts.deadlineMs, name);
    } catch (err) {
      opts.log.warn({ err: (err as Error).message, step: name }, 'shutdown step did not finish cleanly');
      if (forced) await withDeadline(Promise.resolve(forced()), opts.forcedMs ?? 1_000, `${name} (forced)`).catch(() => undefined);
    }
  }
}
