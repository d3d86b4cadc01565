// Test-side peers on the mesh: a producer that plays a bot putting turns on `inbound`, a collector that
// plays a bot draining `outbound-<platform>`, and a brain started in-process with a real store and model client.
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { HelixConfig, loadPersona } from '../../config/index.ts';
import {
  INBOUND_QUEUE, InboundTurn, OutboundReply, DeadLetters, createLogger, inboundJobOptions, jobIdFor, newTraceparent, outboundQueue,
  type InboundTurnInput, type Logger, type Platform,
} from '../../mesh/index.ts';
import { startBrain, type RunningBrain } from '../../brain/brain.ts';
import { selectProvider } from '../../brain/llm/index.ts';
import { openStore } from '../../store/index.ts';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix no other test uses (a Cluster hash tag, like the real one). */
export function testPrefix(): string {
  return `{test-${randomUUID().slice(0, 8)}}`;
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** A full config for tests: no HTTP port clash (port 0), quiet logs, the given overrides. */
export function testConfig(prefix: string, overrides: DeepPartial<HelixConfig> = {}): HelixConfig {
  const base = {
    log: { level: 'silent' },
    redis: { url: REDIS_URL, prefix },
    store: { dataDir: 'memory://' },
    brain: { port: 0, burst: { quietMs: 0, maxMs: 8_000 }, lockDurationMs: 5_000, stalledIntervalMs: 5_000 },
    llm: { provider: 'none', maxRetries: 0 },
  };
  return HelixConfig.parse(merge(base, overrides as Record<string, unknown>));
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' ? merge(prev as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

/** Starts a brain in this process: real Redis, the configured store (PGlite in memory by default), the configured model client. */
export async function startTestBrain(config: HelixConfig, opts: { log?: Logger; serveHttp?: boolean } = {}): Promise<RunningBrain> {
  const log = opts.log ?? createLogger('brain', config.log.level);
  const store = await openStore({ dataDir: config.store.dataDir, ...(config.store.databaseUrl ? { databaseUrl: config.store.databaseUrl, ...(config.store.schema ? { schema: config.store.schema } : {}) } : {}) });
  const provider = await selectProvider(config.llm, { cwd: process.cwd(), log });
  return startBrain({ config, redisUrl: config.redis.url ?? REDIS_URL, log, provider, persona: loadPersona(), store, serveHttp: opts.serveHttp ?? false });
}

/**
 * Turns the brain has finished, its after-reply stages (emotion, memory writes) included: a reply arrives
 * before those run, so a test that reads what a turn wrote waits for this, not for the reply.
 */
export async function turnsDone(brain: RunningBrain): Promise<number> {
  const metric = await brain.metrics.registry.getSingleMetric('helix_turns_total')?.get();
  return (metric?.values ?? []).filter((v) => v.labels.outcome === 'answered').reduce((sum, v) => sum + v.value, 0);
}

/** A valid inbound turn with sensible defaults. */
export function makeTurn(patch: Partial<InboundTurnInput> & { conversationId?: string } = {}): InboundTurn {
  const { conversationId, ...rest } = patch;
  return InboundTurn.parse({
    v: 1,
    platform: 'web',
    eventId: randomUUID(),
    conversation: { id: conversationId ?? 'c1', kind: 'dm' },
    author: { accountId: 'u1', displayName: 'Ada' },
    text: 'hello',
    receivedAt: new Date().toISOString(),
    traceparent: newTraceparent(),
    ...rest,
  } satisfies InboundTurnInput);
}

/** Plays a bot's producer side: puts turns on `inbound` with the contract's job id and options. */
export class InboundProducer {
  readonly queue: Queue;
  constructor(prefix: string, connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null })) {
    this.queue = new Queue(INBOUND_QUEUE, { connection, prefix });
  }
  async send(turn: InboundTurn | Record<string, unknown>, jobId?: string): Promise<void> {
    const t = turn as InboundTurn;
    const id = jobId ?? jobIdFor(t.platform, t.eventId);
    await this.queue.add('turn', turn, inboundJobOptions(id));
  }
  close(): Promise<void> {
    return this.queue.close();
  }
}

/** Plays a bot's consumer side: drains `outbound-<platform>` and records every reply in arrival order. */
export class OutboundCollector {
  readonly replies: OutboundReply[] = [];
  readonly #worker: Worker;
  readonly #waiters: Array<() => void> = [];

  constructor(prefix: string, platform: Platform = 'web', connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null })) {
    this.#worker = new Worker(
      outboundQueue(platform),
      async (job) => {
        this.replies.push(OutboundReply.parse(job.data));
        for (const w of this.#waiters.splice(0)) w();
      },
      { connection, prefix, concurrency: 1 },
    );
  }

  get finals(): OutboundReply[] {
    return this.replies.filter((r) => r.kind === 'final');
  }

  /** Resolves when `n` final replies have arrived; rejects after `timeoutMs`. */
  async waitForFinals(n: number, timeoutMs = 10_000): Promise<OutboundReply[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.finals.length < n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${n} final replies, got ${this.finals.length} after ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.finals;
  }

  close(): Promise<void> {
    return this.#worker.close();
  }
}

/** Reads the dead-letter queue of a prefix. */
export async function deadLettersOf(prefix: string) {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const dl = new DeadLetters(redis, prefix);
  try {
    return await dl.list();
  } finally {
    await dl.close();
    await redis.quit();
  }
}

/** Polls `check` until it returns true. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Deletes every key of a test prefix. */
export async function dropPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}
