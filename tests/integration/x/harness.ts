// An X bot (real twitter-api-v2) on a unique Redis prefix, pointed at the fake X API; restartable.
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startXBot, type RunningXBot } from '../../../bots/x/x-bot.ts';
import { mentionsCursor } from '../../../bots/x/mention-poller.ts';
import {
  CursorStore, INBOUND_QUEUE, InboundTurn, OutboundReply, createLogger, newTraceparent, outboundJobOptions, outboundQueue, type OutboundReplyInput,
} from '../../../mesh/index.ts';
import { startFakeX, type FakeX } from '../../fakes/x/index.ts';
import { REDIS_URL, dropPrefix, eventually, testConfig, testPrefix } from '../../helpers/mesh-harness.ts';

export const CREDS = { appKey: 'helix-app-key', appSecret: 'helix-app-secret', accessToken: '1700000000000000001-helix', accessSecret: 'helix-access-secret' };

export interface XMeshOptions {
  prefix?: string;
  dms?: boolean;
  webhook?: boolean;
  pollMinMs?: number;
  pollMaxMs?: number;
}

export interface XMesh {
  prefix: string;
  fake: FakeX;
  bot: RunningXBot;
  redis: Redis;
  inbound: Queue;
  outbound: Queue;
  cursors: CursorStore;
  inboundTurns(): Promise<InboundTurn[]>;
  /** Resolves once the bot has set its mentions cursor (its first poll is done). */
  ready(): Promise<void>;
  reply(turn: InboundTurn, text: string, patch?: Partial<OutboundReplyInput>): Promise<OutboundReply>;
  stopBot(): Promise<void>;
  startBot(): Promise<RunningXBot>;
  cleanup(): Promise<void>;
}

export async function startXMesh(opts: XMeshOptions = {}): Promise<XMesh> {
  const prefix = opts.prefix ?? testPrefix();
  const fake = await startFakeX(CREDS);
  const config = testConfig(prefix, {
    x: { ...CREDS, apiBaseUrl: fake.baseUrl, port: 0, pollMinMs: opts.pollMinMs ?? 100, pollMaxMs: opts.pollMaxMs ?? 5_000, dms: opts.dms ?? false, webhook: opts.webhook ?? false },
  });
  const start = () => startXBot({ config, redisUrl: REDIS_URL, log: createLogger('x', process.env.X_TEST_LOG === '1' ? 'debug' : 'silent') });
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const inbound = new Queue(INBOUND_QUEUE, { connection: redis, prefix });
  const outbound = new Queue(outboundQueue('x'), { connection: redis, prefix });
  const cursors = new CursorStore(redis, prefix);
  const mesh: XMesh = {
    prefix, fake, bot: await start(), redis, inbound, outbound, cursors,
    async inboundTurns() {
      const jobs = await inbound.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed', 'prioritized']);
      return jobs.map((j) => InboundTurn.parse(j.data)).sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
    },
    async ready() {
      await eventually(async () => (await cursors.get(mentionsCursor(fake.me.id))) !== undefined, 15_000, 'the mentions cursor');
    },
    async reply(turn, text, patch = {}) {
      const reply = OutboundReply.parse({
        v: 1, platform: 'x', replyId: `r-${randomUUID()}`, conversation: turn.conversation, inReplyTo: turn.eventId,
        parts: [text], traceparent: newTraceparent(), createdAt: new Date().toISOString(), ...patch,
      } satisfies OutboundReplyInput);
      await outbound.add('reply', reply, outboundJobOptions(reply.replyId, 'final'));
      return reply;
    },
    async stopBot() {
      await mesh.bot.close();
    },
    async startBot() {
      mesh.bot = await start();
      return mesh.bot;
    },
    async cleanup() {
      await mesh.bot.close();
      await inbound.close();
      await outbound.close();
      await redis.quit();
      await fake.close();
      await dropPrefix(prefix);
    },
  };
  return mesh;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
