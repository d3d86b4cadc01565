import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { DEAD_LETTER_QUEUE } from './queues.ts';
import { DeadLetterEntry } from './dead-letter.ts';
import { safePart } from './job-id.ts';
import type { ProcessMetrics } from './observe/metrics.ts';

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
    const jobs = await this.#queue.getJobs(['wait', 'prioritized'], 0, limit - 1, true);
    return jobs.map((j) => DeadLetterEntry.parse(j.data));
  }

  close(): Promise<void> {
    this.#closing ??= this.#queue.close();
    return this.#closing;
  }
}
