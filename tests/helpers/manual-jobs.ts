import { randomUUID } from 'node:crypto';
import { Queue, UnrecoverableError, Worker, type Job, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { helixBackoff } from '../../mesh/index.ts';
import { REDIS_URL } from './mesh-harness.ts';

/**
 * Drives one queue's jobs by hand, through BullMQ itself (a Worker with no processor): takes a job as a worker
 * does (it becomes active, holding its lock) and fails it for good, as a job that stalled past its limit ends.
 * For tests that need a job in a given state without a process dying on cue.
 */
export class ManualJobs {
  readonly queue: Queue;
  readonly #worker: Worker;
  readonly #connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  readonly #token = randomUUID();

  constructor(prefix: string, queueName: string) {
    this.queue = new Queue(queueName, { connection: this.#connection, prefix });
    // Helix's backoff, as its consumers register it, so a failure with attempts left is retried as theirs are.
    this.#worker = new Worker(queueName, null, { connection: this.#connection, prefix, autorun: false, settings: { backoffStrategy: helixBackoff } });
  }

  /** Adds a job and takes it: returned active, as a worker running it would hold it. */
  async take(data: object, jobId: string, opts: JobsOptions = {}): Promise<Job> {
    await this.queue.add('job', data, { ...opts, jobId });
    return this.takeNext(jobId);
  }

  /** Takes the next waiting job, which must be `jobId`. */
  async takeNext(jobId: string): Promise<Job> {
    const job = (await this.#worker.getNextJob(this.#token)) as Job | undefined;
    if (job?.id !== jobId) throw new Error(`expected to take job ${jobId}, got ${job?.id ?? 'none'}`);
    return job;
  }

  /** Moves a taken job to the failed set with no retry left. */
  async failForGood(job: Job, reason = 'job stalled more than allowable limit'): Promise<void> {
    await job.moveToFailed(new UnrecoverableError(reason), this.#token);
  }

  /** Fails a taken job as a throwing processor does: with attempts left, BullMQ schedules its retry. */
  async fail(job: Job, reason = 'model timed out'): Promise<void> {
    await job.moveToFailed(new Error(reason), this.#token);
  }

  async state(jobId: string): Promise<string> {
    return this.queue.getJobState(jobId);
  }

  async close(): Promise<void> {
    await this.#worker.close();
    await this.queue.close();
    await this.#connection.quit().catch(() => undefined);
  }
}
