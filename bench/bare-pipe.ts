// The baseline: bare BullMQ with the same two hops as the mesh's ends: Queue A add → Worker A adds to
// Queue B → Worker B receives. Default job options (auto ids, completed jobs kept), no validation, no store.
import { Queue, Worker } from 'bullmq';
import { track } from './cleanup.ts';
import type { Pipe, PipeMessage, PipeReply } from './pipe.ts';
import { benchPrefix, connect, dropPrefix } from './redis-keys.ts';

export interface BarePipeOptions {
  /** Worker A's concurrency (compare with brain.concurrency). @defaultValue `32` */
  concurrency?: number;
  /** Worker B's concurrency (compare with the reply consumer's). @defaultValue `16` */
  consumerConcurrency?: number;
}

interface BareJob {
  conv: string;
  seq: number;
  text: string;
  receivedAt: string;
}

/** Starts the two queues and workers on a prefix of their own. */
export async function startBarePipe(opts: BarePipeOptions = {}): Promise<Pipe> {
  const prefix = benchPrefix('bare');
  const producerConn = connect();
  const middleConn = connect();
  const consumerConn = connect();
  const queueA = new Queue('a', { connection: producerConn, prefix });
  // Worker A and the queue it writes to share one connection, as the brain's worker and reply queue do.
  const queueB = new Queue('b', { connection: middleConn, prefix });
  let listener: (reply: PipeReply) => void = () => {};
  const workerA = new Worker(
    'a',
    async (job) => {
      const m = job.data as BareJob;
      await queueB.add('b', { conv: m.conv, seq: m.seq, parts: ['Got it!'], createdAt: new Date().toISOString() });
    },
    { connection: middleConn, prefix, concurrency: opts.concurrency ?? 32 },
  );
  const workerB = new Worker(
    'b',
    async (job) => {
      const at = performance.now();
      const r = job.data as { conv: string; seq: number };
      listener({ conv: r.conv, seq: r.seq, at });
    },
    { connection: consumerConn, prefix, concurrency: opts.consumerConcurrency ?? 16 },
  );
  await Promise.all([workerA.waitUntilReady(), workerB.waitUntilReady()]);
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      untrack();
      await Promise.all([workerA.close(), workerB.close()]);
      await Promise.all([queueA.close(), queueB.close()]);
      await Promise.all([producerConn, middleConn, consumerConn].map((c) => c.quit().catch(() => c.disconnect())));
      await dropPrefix(prefix);
    })();
    return closing;
  };
  const untrack = track(close);
  const data = (m: PipeMessage): BareJob => ({ conv: m.conv, seq: m.seq, text: `message ${m.seq}`, receivedAt: new Date().toISOString() });

  return {
    name: 'bare',
    async send(messages) {
      if (messages.length === 1) await queueA.add('a', data(messages[0]!));
      else await queueA.addBulk(messages.map((m) => ({ name: 'a', data: data(m) })));
    },
    onReply(l) {
      listener = l;
    },
    close,
  };
}
