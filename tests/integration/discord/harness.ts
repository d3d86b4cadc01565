// The Discord bot in-process against the fake Discord and real Redis; the test plays the brain (and ops):
// it reads what the bot puts on `inbound` / `ops-actions` and puts replies on `outbound-discord` itself.
import { Writable } from 'node:stream';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { z } from 'zod';
import { startDiscordBot, type RunningDiscordBot } from '../../../bots/discord/discord-bot.ts';
import type { HelixConfig } from '../../../config/index.ts';
import {
  INBOUND_QUEUE, InboundTurn, OPS_ACTIONS_QUEUE, OpsAction, OutboundReply, createLogger, newTraceparent, outboundJobOptions, outboundQueue,
  type Logger, type OutboundReplyInput,
} from '../../../mesh/index.ts';
import { startFakeDiscord, type FakeDiscord, type FakeDiscordOptions } from '../../fakes/discord/index.ts';
import { REDIS_URL, dropPrefix, testConfig, testPrefix } from '../../helpers/mesh-harness.ts';

/** A fresh IDENTIFY normally waits 5 s (Discord's identify limit); tests skip the wait. */
export const NO_IDENTIFY_WAIT = { ws: { buildIdentifyThrottler: async () => ({ waitForIdentify: async () => {} }) } };

/** Drains one queue, parsing each job against its schema, and keeps what arrived (job ids included). */
export class QueueCollector<S extends z.ZodType> {
  readonly items: Array<{ jobId: string | undefined; data: z.output<S> }> = [];
  readonly #worker: Worker;
  readonly #connection: Redis;

  constructor(queue: string, schema: S, prefix: string, url = REDIS_URL) {
    this.#connection = new Redis(url, { maxRetriesPerRequest: null });
    this.#connection.on('error', () => {});
    this.#worker = new Worker(queue, async (job) => void this.items.push({ jobId: job.id, data: schema.parse(job.data) }), { connection: this.#connection, prefix, concurrency: 1 });
    this.#worker.on('error', () => {});
  }

  get data(): Array<z.output<S>> {
    return this.items.map((i) => i.data);
  }

  /** Resolves with the first `n` items once they arrived; rejects after `timeoutMs`. */
  async waitFor(n = 1, timeoutMs = 5_000): Promise<Array<z.output<S>>> {
    const deadline = Date.now() + timeoutMs;
    while (this.items.length < n) {
      if (Date.now() > deadline) throw new Error(`expected ${n} jobs, got ${this.items.length} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.data.slice(0, n);
  }

  async close(): Promise<void> {
    await this.#worker.close();
    this.#connection.disconnect();
  }
}

/** A logger whose JSON lines land in `lines` (to check what was logged). */
export function capturingLog(role: string, level: 'info' | 'debug' = 'info'): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger(role, level, sink), lines };
}

export interface DiscordMesh {
  prefix: string;
  fake: FakeDiscord;
  config: HelixConfig;
  bot: RunningDiscordBot;
  log: { lines: Array<Record<string, unknown>> };
  inbound: QueueCollector<typeof InboundTurn>;
  ops: QueueCollector<typeof OpsAction>;
  /** Puts a reply on `outbound-discord` as the brain would (job id = reply id). */
  reply(input: Partial<OutboundReplyInput> & { channelId?: string; jobId?: string }): Promise<OutboundReply>;
  /** Starts another bot process on the same prefix and fake (a restart, or a second shard range). */
  startBot(discord?: Partial<HelixConfig['discord']>): Promise<RunningDiscordBot>;
  cleanup(): Promise<void>;
}

export interface DiscordMeshOptions {
  fake?: FakeDiscordOptions;
  discord?: Partial<HelixConfig['discord']>;
  redisUrl?: string;
  /** Collect `inbound` (the test plays the brain). False when a real brain consumes it. @defaultValue `true` */
  collectInbound?: boolean;
}

/** The fake Discord, the bot logged in to it, and collectors on the bot's queues. */
export async function startDiscordMesh(opts: DiscordMeshOptions = {}): Promise<DiscordMesh> {
  const prefix = testPrefix();
  const redisUrl = opts.redisUrl ?? REDIS_URL;
  const fake = await startFakeDiscord(opts.fake);
  const configFor = (discord: Partial<HelixConfig['discord']> = {}) =>
    testConfig(prefix, { redis: { url: redisUrl }, discord: { token: fake.token, apiUrl: fake.apiUrl, port: 0, typingIntervalMs: 8_000, ...opts.discord, ...discord } });
  const config = configFor();
  const captured = capturingLog('discord');
  const bots: RunningDiscordBot[] = [];
  const startBot = async (discord: Partial<HelixConfig['discord']> = {}) => {
    const b = await startDiscordBot({ config: configFor(discord), redisUrl, log: captured.log, clientOptions: NO_IDENTIFY_WAIT, readyTimeoutMs: 10_000 });
    bots.push(b);
    return b;
  };
  const bot = await startBot();
  const collectInbound = opts.collectInbound ?? true;
  const inbound = new QueueCollector(INBOUND_QUEUE, InboundTurn, prefix, redisUrl);
  const ops = new QueueCollector(OPS_ACTIONS_QUEUE, OpsAction, prefix, redisUrl);
  if (!collectInbound) await inbound.close();
  const outConn = new Redis(redisUrl, { maxRetriesPerRequest: null });
  outConn.on('error', () => {});
  const outbound = new Queue(outboundQueue('discord'), { connection: outConn, prefix });
  outbound.on('error', () => {});
  let n = 0;
  return {
    prefix,
    fake,
    config,
    bot,
    log: captured,
    inbound,
    ops,
    startBot,
    async reply(input) {
      const { channelId, jobId, ...rest } = input;
      const channel = channelId ?? fake.channel('general').id;
      const reply = OutboundReply.parse({
        v: 1,
        platform: 'discord',
        replyId: `r-test-${++n}-${Date.now()}`,
        kind: 'final',
        conversation: { id: channel, kind: 'group', route: { channelId: channel } },
        parts: ['hello from the brain'],
        traceparent: newTraceparent(),
        createdAt: new Date().toISOString(),
        ...rest,
      } satisfies OutboundReplyInput);
      await outbound.add('reply', reply, outboundJobOptions(jobId ?? reply.replyId, 'final'));
      return reply;
    },
    async cleanup() {
      // Each step is bounded: after a Redis restart a BullMQ close can wait on a connection that is gone.
      const bounded = (p: Promise<unknown> | undefined) => Promise.race([Promise.resolve(p).catch(() => undefined), new Promise((r) => setTimeout(r, 5_000))]);
      for (const b of bots.reverse()) await bounded(b.close());
      await bounded(Promise.all([collectInbound ? inbound.close() : undefined, ops.close()]));
      await bounded(outbound.close());
      outConn.disconnect();
      await fake.close();
      if (redisUrl === REDIS_URL) await dropPrefix(prefix);
    },
  };
}

/** Messages the bot posted (or edited) in a channel, as the fake stored them. */
export function botMessages(fake: FakeDiscord, channelRef: string) {
  return fake.messages(channelRef).filter((m) => m.author.id === fake.botUserId);
}

/** The value of one Prometheus sample whose labels include `labels`. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
