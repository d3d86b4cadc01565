// The Slack bot in-process (real Bolt) against the fake Slack and real Redis; the test plays the brain:
// it reads what the bot puts on `inbound` and puts replies on `outbound-slack` itself.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startSlackBot, type RunningSlackBot } from '../../../bots/slack/slack-bot.ts';
import type { HelixConfig } from '../../../config/index.ts';
import { INBOUND_QUEUE, InboundTurn, OutboundReply, newTraceparent, outboundJobOptions, outboundQueue, type OutboundReplyInput } from '../../../mesh/index.ts';
import { startFakeSlack, type FakeSlack } from '../../fakes/slack/index.ts';
import { REDIS_URL, dropPrefix, testConfig, testPrefix } from '../../helpers/mesh-harness.ts';
import { QueueCollector, capturingLog } from '../discord/harness.ts';

export interface SlackMesh {
  prefix: string;
  fake: FakeSlack;
  config: HelixConfig;
  bot: RunningSlackBot;
  log: { lines: Array<Record<string, unknown>> };
  inbound: QueueCollector<typeof InboundTurn>;
  /** Puts a reply on `outbound-slack` as the brain would (job id = reply id). */
  reply(input: Partial<OutboundReplyInput> & { channel?: string; threadTs?: string }): Promise<OutboundReply>;
  cleanup(): Promise<void>;
}

/** `socketMode`: the bot takes events over the fake's Socket Mode WebSocket (with the fake's xapp- token); the mesh starts once it is connected. */
export async function startSlackMesh(opts: { collectInbound?: boolean; socketMode?: boolean; slack?: Partial<HelixConfig['slack']> } = {}): Promise<SlackMesh> {
  const prefix = testPrefix();
  const fake = await startFakeSlack();
  const socket = opts.socketMode ? { socketMode: true, appToken: fake.appToken } : {};
  const config = testConfig(prefix, { slack: { botToken: fake.botToken, signingSecret: fake.signingSecret, apiUrl: fake.apiUrl, port: 0, ...socket, ...opts.slack } });
  const captured = capturingLog('slack');
  const bot = await startSlackBot({ config, redisUrl: REDIS_URL, log: captured.log });
  if (opts.socketMode) await fake.waitForSocket();
  const collectInbound = opts.collectInbound ?? true;
  const inbound = new QueueCollector(INBOUND_QUEUE, InboundTurn, prefix, REDIS_URL);
  if (!collectInbound) await inbound.close();
  const outConn = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  outConn.on('error', () => {});
  const outbound = new Queue(outboundQueue('slack'), { connection: outConn, prefix });
  outbound.on('error', () => {});
  let n = 0;
  return {
    prefix, fake, config, bot, log: captured, inbound,
    async reply(input) {
      const { channel, threadTs, ...rest } = input;
      const ch = channel ?? fake.dmChannel;
      const route: Record<string, string> = { teamId: fake.ids.teamId, channelId: ch, ...(threadTs ? { threadTs } : {}) };
      const reply = OutboundReply.parse({
        v: 1, platform: 'slack', replyId: `r-test-${++n}-${Date.now()}`, kind: 'final',
        conversation: { id: `slack-${fake.ids.teamId}-${ch}${threadTs ? `-${threadTs}` : ''}`, kind: threadTs ? 'thread' : 'dm', route },
        parts: ['hello from the brain'], traceparent: newTraceparent(), createdAt: new Date().toISOString(), ...rest,
      } satisfies OutboundReplyInput);
      await outbound.add('reply', reply, outboundJobOptions(reply.replyId, 'final'));
      return reply;
    },
    async cleanup() {
      await bot.close().catch(() => undefined);
      if (collectInbound) await inbound.close().catch(() => undefined);
      await outbound.close().catch(() => undefined);
      outConn.disconnect();
      await fake.close();
      await dropPrefix(prefix);
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
