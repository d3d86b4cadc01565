// Google Chat bots (real google-auth-library and @googleapis/chat) on a unique Redis prefix, pointed at
// the fake Google; plus a stand-in brain for tests that do not need the real one.
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { startGChatBot, type RunningGChatBot } from '../../../bots/gchat/gchat-bot.ts';
import {
  INBOUND_QUEUE, InboundTurn, OutboundReply, createLogger, newTraceparent, outboundJobOptions, outboundQueue, safePart, type OutboundReplyInput,
} from '../../../mesh/index.ts';
import { rsaKeyPair, startFakeGoogleChat, type FakeGoogleChat, type RsaKeyPair } from '../../fakes/gchat/index.ts';
import { REDIS_URL, dropPrefix, testConfig, testPrefix } from '../../helpers/mesh-harness.ts';

export const PROJECT_NUMBER = '424242424242';
export const ENDPOINT_URL = 'https://helix.example.com/gchat/events';
export const SA_EMAIL = 'helix-chat@helix-test.iam.gserviceaccount.com';

export type AudienceMode = 'projectNumber' | 'endpointUrl';

export interface GChatMeshOptions {
  audience?: AudienceMode;
  inlineReplyMs?: number;
  /** Bot replicas on the same prefix. @defaultValue `1` */
  replicas?: number;
  prefix?: string;
  /** Collects the bots' JSON log lines (level debug) instead of discarding them. */
  logLines?: string[];
}

export interface SendResult {
  status: number;
  body: Record<string, unknown>;
}

export interface GChatMesh {
  prefix: string;
  fake: FakeGoogleChat;
  bots: RunningGChatBot[];
  bot: RunningGChatBot;
  sa: RsaKeyPair;
  redis: Redis;
  inbound: Queue;
  outbound: Queue;
  /** A valid token for the mesh's audience mode. */
  token(): string;
  /** POSTs an event to a replica's endpoint (the thread it names becomes known to the fake). */
  send(event: Record<string, unknown>, opts?: { token?: string | null; replica?: number; raw?: string; contentType?: string }): Promise<SendResult>;
  inboundTurns(): Promise<InboundTurn[]>;
  /** Puts a reply to `turn` on outbound-gchat, as the brain would. */
  reply(turn: InboundTurn, text: string, patch?: Partial<OutboundReplyInput>): Promise<OutboundReply>;
  /** A counter's value on a replica's /metrics. */
  metric(name: string, labels: Record<string, string>, replica?: number): Promise<number>;
  cleanup(): Promise<void>;
}

/** The reply id the brain gives the reply to one event (brain/turn-worker.ts). */
export function replyIdFor(eventId: string): string {
  return `r-${safePart(`gchat-${eventId}`)}`;
}

export async function startGChatMesh(opts: GChatMeshOptions = {}): Promise<GChatMesh> {
  const sa = rsaKeyPair();
  const prefix = opts.prefix ?? testPrefix();
  const audience = opts.audience ?? 'projectNumber';
  const fake = await startFakeGoogleChat({ serviceAccounts: { [SA_EMAIL]: sa.publicKey } });
  const credentials = JSON.stringify({ type: 'service_account', project_id: 'helix-test', private_key_id: 'k1', private_key: sa.privateKey, client_email: SA_EMAIL });
  const config = testConfig(prefix, {
    gchat: {
      credentials, audience, projectNumber: PROJECT_NUMBER, endpointUrl: ENDPOINT_URL,
      certsUrl: fake.chatCertsUrl, oidcCertsUrl: fake.oidcCertsUrl, apiRootUrl: fake.url,
      inlineReplyMs: opts.inlineReplyMs ?? 3_000, port: 0,
    },
  });
  const bots: RunningGChatBot[] = [];
  for (let i = 0; i < (opts.replicas ?? 1); i++) bots.push(await startGChatBot({ config, redisUrl: REDIS_URL, log: opts.logLines ? createLogger('gchat', 'debug', { write: (line: string) => void opts.logLines!.push(line) }) : createLogger('gchat', 'silent') }));
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const inbound = new Queue(INBOUND_QUEUE, { connection: redis, prefix });
  const outbound = new Queue(outboundQueue('gchat'), { connection: redis, prefix });
  const token = () => (audience === 'projectNumber' ? fake.signChatToken({ audience: PROJECT_NUMBER }) : fake.signOidcToken({ audience: ENDPOINT_URL }));
  return {
    prefix, fake, bots, bot: bots[0]!, sa, redis, inbound, outbound, token,
    async send(event, o = {}) {
      const thread = (event.message as { thread?: { name?: string } } | undefined)?.thread?.name;
      if (thread) fake.addThread(thread);
      const t = o.token === undefined ? token() : o.token;
      const res = await fetch(bots[o.replica ?? 0]!.eventsUrl, {
        method: 'POST',
        headers: { 'content-type': o.contentType ?? 'application/json', ...(t === null ? {} : { authorization: `Bearer ${t}` }) },
        body: o.raw ?? JSON.stringify(event),
      });
      const text = await res.text();
      let body: Record<string, unknown> = {};
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        body = { raw: text };
      }
      return { status: res.status, body };
    },
    async inboundTurns() {
      const jobs = await inbound.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed', 'prioritized']);
      return jobs.map((j) => InboundTurn.parse(j.data));
    },
    async reply(turn, text, patch = {}) {
      const reply = OutboundReply.parse({
        v: 1, platform: 'gchat', replyId: replyIdFor(turn.eventId), conversation: turn.conversation, inReplyTo: turn.eventId,
        parts: [text], traceparent: newTraceparent(), createdAt: new Date().toISOString(), ...patch,
      } satisfies OutboundReplyInput);
      await outbound.add('reply', reply, outboundJobOptions(reply.replyId, 'final'));
      return reply;
    },
    async metric(name, labels, replica = 0) {
      const m = await bots[replica]!.metrics.registry.getSingleMetric(name)?.get();
      const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => String(x.labels[k]) === val));
      return v?.value ?? 0;
    },
    async cleanup() {
      for (const b of bots) await b.close();
      await inbound.close();
      await outbound.close();
      await redis.quit();
      await fake.close();
      await dropPrefix(prefix);
    },
  };
}

/**
 * Plays the brain: takes each turn off `inbound` and, after `delayMs(turn)`, puts `echo: <text>` on
 * outbound-gchat with the brain's reply id.
 */
export function startEchoBrain(mesh: GChatMesh, delayMs: (turn: InboundTurn) => number = () => 0): { turns: InboundTurn[]; close(): Promise<void> } {
  const turns: InboundTurn[] = [];
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const worker = new Worker(
    INBOUND_QUEUE,
    async (job) => {
      const turn = InboundTurn.parse(job.data);
      turns.push(turn);
      const d = delayMs(turn);
      if (d > 0) await sleep(d);
      await mesh.reply(turn, `echo: ${turn.text}`);
    },
    { connection, prefix: mesh.prefix, concurrency: 8 },
  );
  return {
    turns,
    async close() {
      await worker.close();
      await connection.quit();
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
