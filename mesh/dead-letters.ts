import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { DEAD_LETTER_QUEUE } from './queues.ts';
import { DeadLetterEntry } from './dead-letter.ts';
import { safePart } from './job-id.ts';
import type { ProcessMetrics } from './observe/metrics.ts';

/** A dead-letter entry and the id it is kept under. */
export interface StoredDeadLetter {
  id: string;
  entry: DeadLetterEntry;
}

function storedOf(id: string, data: unknown, writtenAt: number): StoredDeadLetter {
  const parsed = DeadLetterEntry.safeParse(data);
  if (parsed.success) return { id, entry: parsed.data };
  const firstSeen = new Date(writtenAt || Date.now()).toISOString();
  return { id, entry: { queue: '?', payload: data, code: 'entry_unreadable', reason: z.prettifyError(parsed.error), firstSeen, attempts: 0 } };
}

/** Entries removed per Redis script while trimming: each call scans the list once, so keep them short. */
const TRIM_CHUNK = 1_000;

/** Writes dead-letter entries. One entry per (queue, job): a retried failure does not write twice. */
export class DeadLetters {
  readonly #queue: Queue;
  readonly #metrics: ProcessMetrics | undefined;
  #closing: Promise<void> | undefined;

  constructor(connection: Redis, prefix: string, metrics?: ProcessMetrics) {
    this.#queue = new Queue(DEAD_LETTER_QUEUE, { connection, prefix });
    // Connection errors surface on the write() that hits them.
    this.#queue.on('error', () => {});
    this.#metrics = metrics;
  }

  /** Records why `payload` from `queue` could not be handled. */
  async write(entry: z.input<typeof DeadLetterEntry>): Promise<void> {
    const parsed = DeadLetterEntry.parse(entry);
    const id = `dl-${safePart(parsed.queue)}-${safePart(parsed.jobId ?? parsed.firstSeen)}`;
    await this.#queue.add('dead-letter', parsed, { jobId: id, removeOnComplete: false, removeOnFail: false });
    this.#metrics?.deadLetters.inc({ queue: parsed.queue, code: parsed.code });
  }

  /** Entries in order of arrival (for tests, tooling and the console). */
  async list(limit = 100): Promise<DeadLetterEntry[]> {
    return (await this.stored(limit)).map((s) => s.entry);
  }

  /**
   * Entries with the ids they are kept under, oldest first (`npm run dead-letters`). An entry that no longer
   * parses (written by an older Helix) is shown as `entry_unreadable` with the zod reason and its raw data.
   */
  async stored(limit = 100): Promise<StoredDeadLetter[]> {
    const jobs = await this.#queue.getJobs(['wait', 'prioritized'], 0, limit - 1, true);
    return jobs.map((j) => storedOf(j.id ?? '', j.data, j.timestamp));
  }

  /** The entry kept under `id`, if any. */
  async get(id: string): Promise<StoredDeadLetter | undefined> {
    const job = await this.#queue.getJob(id);
    return job ? storedOf(id, job.data, job.timestamp) : undefined;
  }

  /** Removes the entry kept under `id`; false when there is none (BullMQ's remove answers 1 for a missing job too). */
  async drop(id: string): Promise<boolean> {
    if (!(await this.#queue.getJob(id))) return false;
    return (await this.#queue.remove(id)) === 1;
  }

  /**
   * Removes entries written more than `olderThanMs` ago (by the writer's clock, as BullMQ stamps jobs); resolves
   * to how many went. It works from the oldest entry on, a chunk at a time, and stops at the first chunk that
   * still holds an entry young enough to keep (entries are kept in the order they were written). Safe to run
   * from several processes at once: each entry is removed once.
   */
  async trim(olderThanMs: number): Promise<number> {
    if (!(olderThanMs >= 0)) throw new RangeError(`DeadLetters.trim: olderThanMs must be 0 or more, not ${olderThanMs}`);
    let removed = 0;
    for (const state of ['wait', 'prioritized'] as const) {
      // clean() stops at its limit: go again while a chunk came back full.
      let n: number;
      do {
        n = (await this.#queue.clean(olderThanMs, TRIM_CHUNK, state)).length;
        removed += n;
      } while (n === TRIM_CHUNK);
    }
    return removed;
  }

  close(): Promise<void> {
    this.#closing ??= this.#queue.close();
    return this.#closing;
  }
}
