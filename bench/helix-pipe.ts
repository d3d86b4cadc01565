// The Helix mesh as a bench pipe: a console-like producer → `inbound` → a brain in this process (PGlite in
// memory, the instant model) → `outbound-web` → a BullMQ Worker that records arrival.
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { pino } from 'pino';
import { startBrain, type RunningBrain } from '../brain/brain.ts';
import { toInboundTurn } from '../bots/web/normalize.ts';
import { HelixConfig, loadPersona } from '../config/index.ts';
import {
  DEAD_LETTER_QUEUE, INBOUND_QUEUE, TURNS_QUEUE, createLogger, inboundJobOptions, jobIdFor, monotonicNow, newTraceparent, outboundQueue,
  type InboundTurn, type OutboundReply,
} from '../mesh/index.ts';
import { openStore } from '../store/index.ts';
import { track } from './cleanup.ts';
import { InstantModel } from './instant-model.ts';
import { openNullStore } from './null-store.ts';
import type { Pipe, PipeMessage, PipeReply } from './pipe.ts';
import { REDIS_URL, benchPrefix, connect, dropPrefix } from './redis-keys.ts';

export interface HelixPipeOptions {
  /** brain.concurrency. @defaultValue the config default (32) */
  concurrency?: number;
  /** brain.burst.quietMs. @defaultValue `0` */
  quietMs?: number;
  /** Jobs the reply consumer handles at once (the web console's delivery runs 16). @defaultValue `16` */
  consumerConcurrency?: number;
  /** The brain's log level; lines go to /dev/null. @defaultValue `info` */
  logLevel?: 'info' | 'silent';
  /** Keep every prompt the model sees. @defaultValue `false` */
  recordPrompts?: boolean;
  /** `null`: a store that answers every query with no rows (diagnostic: the mesh without the database). @defaultValue `pglite` */
  store?: 'pglite' | 'null';
}

/** What went wrong inside the mesh during a run (all zero on a clean run). */
export interface MeshFailures {
  deadLetters: number;
  failedJobs: Record<string, number>;
}

export interface HelixPipe extends Pipe {
  readonly prefix: string;
  readonly model: InstantModel;
  readonly config: HelixConfig;
  failures(): Promise<MeshFailures>;
  /** Mean milliseconds per turn stage so far (from the brain's helix_turn_stage_seconds), plus `turn` (receipt → reply enqueued). */
  stageMeansMs(): Promise<Record<string, number>>;
}

const SESSION_PREFIX = 'bench_';

/** Starts a brain and the two bot ends around it. */
export async function startHelixPipe(opts: HelixPipeOptions = {}): Promise<HelixPipe> {
  const prefix = benchPrefix('helix');
  const logLevel = opts.logLevel ?? 'info';
  const config = HelixConfig.parse({
    log: { level: logLevel },
    redis: { url: REDIS_URL, prefix },
    store: { dataDir: 'memory://' },
    brain: { port: 0, burst: { quietMs: opts.quietMs ?? 0 }, ...(opts.concurrency ? { concurrency: opts.concurrency } : {}) },
    llm: { provider: 'none' },
  });
  const log = createLogger('brain', logLevel, pino.destination({ dest: '/dev/null', sync: true }));
  const model = new InstantModel({ record: opts.recordPrompts ?? false });
  const store = opts.store === 'null' ? openNullStore() : await openStore({ dataDir: config.store.dataDir });
  let brain: RunningBrain;
  try {
    brain = await startBrain({ config, redisUrl: REDIS_URL, log, provider: model, persona: loadPersona(), store, serveHttp: false });
  } catch (err) {
    await store.close();
    throw err;
  }

  const producerConn = connect();
  const consumerConn = connect();
  const inbound = new Queue(INBOUND_QUEUE, { connection: producerConn, prefix });
  const sent = new Map<string, PipeMessage>();
  let listener: (reply: PipeReply) => void = () => {};
  const consumer = new Worker(
    outboundQueue('web'),
    async (job) => {
      const at = performance.now();
      const reply = job.data as OutboundReply;
      if (reply.kind !== 'final' || !reply.inReplyTo) return;
      const msg = sent.get(reply.inReplyTo);
      if (msg) listener({ conv: msg.conv, seq: msg.seq, at });
    },
    { connection: consumerConn, prefix, concurrency: opts.consumerConcurrency ?? 16 },
  );
  await consumer.waitUntilReady();

  // What the console does per POST: the browser message as the mesh envelope (zod-parsed), then the contract's job id and options.
  const turnFor = (m: PipeMessage): InboundTurn => {
    const clientMessageId = randomUUID();
    sent.set(clientMessageId, m);
    return toInboundTurn({ clientMessageId, sessionId: `${SESSION_PREFIX}${m.conv}`, text: `message ${m.seq}` }, monotonicNow(), newTraceparent()); // stamped as the console stamps it
  };

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      untrack();
      await consumer.close();
      await inbound.close();
      await brain.close();
      await Promise.all([producerConn, consumerConn].map((c) => c.quit().catch(() => c.disconnect())));
      await dropPrefix(prefix);
    })();
    return closing;
  };
  const untrack = track(close);

  return {
    name: opts.store === 'null' ? 'helix-null-store' : 'helix',
    prefix,
    model,
    config,
    async send(messages) {
      if (messages.length === 1) {
        const turn = turnFor(messages[0]!);
        await inbound.add('turn', turn, inboundJobOptions(jobIdFor('web', turn.eventId)));
        return;
      }
      const jobs = messages.map((m) => {
        const turn = turnFor(m);
        return { name: 'turn', data: turn, opts: inboundJobOptions(jobIdFor('web', turn.eventId)) };
      });
      await inbound.addBulk(jobs);
    },
    onReply(l) {
      listener = l;
    },
    async failures() {
      const failedJobs: Record<string, number> = {};
      let deadLetters = 0;
      for (const name of [INBOUND_QUEUE, TURNS_QUEUE, outboundQueue('web'), DEAD_LETTER_QUEUE]) {
        const q = new Queue(name, { connection: producerConn, prefix });
        const counts = await q.getJobCounts('failed', 'wait', 'prioritized');
        if (name === DEAD_LETTER_QUEUE) deadLetters = (counts.wait ?? 0) + (counts.prioritized ?? 0);
        else failedJobs[name] = counts.failed ?? 0;
        await q.close();
      }
      return { deadLetters, failedJobs };
    },
    async stageMeansMs() {
      const out: Record<string, number> = {};
      for (const metric of await brain.metrics.registry.getMetricsAsJSON()) {
        if (metric.name !== 'helix_turn_stage_seconds' && metric.name !== 'helix_turn_seconds') continue;
        const sums = new Map<string, number>();
        const counts = new Map<string, number>();
        for (const v of metric.values as Array<{ labels: Record<string, string | number>; value: number; metricName?: string }>) {
          const name = metric.name === 'helix_turn_seconds' ? 'turn' : String(v.labels.stage);
          if (v.metricName?.endsWith('_sum')) sums.set(name, (sums.get(name) ?? 0) + v.value);
          if (v.metricName?.endsWith('_count')) counts.set(name, (counts.get(name) ?? 0) + v.value);
        }
        for (const [name, sum] of sums) out[name] = (sum / Math.max(1, counts.get(name) ?? 0)) * 1_000;
      }
      return out;
    },
    close,
  };
}
