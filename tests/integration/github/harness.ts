// A GitHub bot (real @octokit/app) on a unique Redis prefix, pointed at the fake GitHub.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startGitHubBot, type RunningGitHubBot } from '../../../bots/github/github-bot.ts';
import { INBOUND_QUEUE, InboundTurn, OutboundReply, createLogger, newTraceparent, outboundJobOptions, outboundQueue, type OutboundReplyInput } from '../../../mesh/index.ts';
import { startFakeGitHub, type FakeGitHub } from '../../fakes/github/index.ts';
import { REDIS_URL, dropPrefix, testConfig, testPrefix } from '../../helpers/mesh-harness.ts';

export const APP_ID = 424242;
export const INSTALLATION = 1001;
export const SECRET = 'webhook-secret-for-tests';
export const SLUG = 'helix-bot';
export const repo = { owner: 'helix-org', repo: 'helix' };

export interface GitHubMesh {
  prefix: string;
  fake: FakeGitHub;
  bot: RunningGitHubBot;
  redis: Redis;
  inbound: Queue;
  outbound: Queue;
  inboundTurns(): Promise<InboundTurn[]>;
  reply(turn: InboundTurn, text: string, patch?: Partial<OutboundReplyInput>): Promise<OutboundReply>;
  cleanup(): Promise<void>;
}

export async function startGitHubMesh(opts: { slug?: string; prefix?: string } = {}): Promise<GitHubMesh> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const prefix = opts.prefix ?? testPrefix();
  const fake = await startFakeGitHub({ appId: APP_ID, key: publicKey, slug: SLUG, installations: [INSTALLATION] });
  const config = testConfig(prefix, {
    github: { appId: APP_ID, privateKey, webhookSecret: SECRET, apiUrl: fake.baseUrl, port: 0, ...(opts.slug ? { slug: opts.slug } : {}) },
  });
  const bot = await startGitHubBot({ config, redisUrl: REDIS_URL, log: createLogger('github', 'silent') });
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const inbound = new Queue(INBOUND_QUEUE, { connection: redis, prefix });
  const outbound = new Queue(outboundQueue('github'), { connection: redis, prefix });
  return {
    prefix, fake, bot, redis, inbound, outbound,
    async inboundTurns() {
      const jobs = await inbound.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed', 'prioritized']);
      return jobs.map((j) => InboundTurn.parse(j.data));
    },
    async reply(turn, text, patch = {}) {
      const reply = OutboundReply.parse({
        v: 1, platform: 'github', replyId: `r-${randomUUID()}`, conversation: turn.conversation, inReplyTo: turn.eventId,
        parts: [text], traceparent: newTraceparent(), createdAt: new Date().toISOString(), ...patch,
      } satisfies OutboundReplyInput);
      await outbound.add('reply', reply, outboundJobOptions(reply.replyId, 'final'));
      return reply;
    },
    async cleanup() {
      await bot.close();
      await inbound.close();
      await outbound.close();
      await redis.quit();
      await fake.close();
      await dropPrefix(prefix);
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
