// 7. The Discord layer's own overhead: a DM arriving as MESSAGE_CREATE from the fake gateway → the reply's
// POST /channels/:id/messages at the fake REST, against the mesh round trip of the same brain without
// Discord (producer → inbound → brain → outbound-web → consumer, as roundtrip.ts), in alternating blocks.
import { Events, type ClientOptions } from 'discord.js';
import { pino } from 'pino';
import { startDiscordBot, type RunningDiscordBot } from '../bots/discord/discord-bot.ts';
import { HelixConfig } from '../config/index.ts';
import { createLogger } from '../mesh/index.ts';
import { startFakeDiscord, type FakeDiscord } from '../tests/fakes/discord/index.ts';
import type { BenchOptions } from './args.ts';
import { track } from './cleanup.ts';
import { startHelixPipe, type HelixPipe } from './helix-pipe.ts';
import type { PipeReply } from './pipe.ts';
import { say } from './progress.ts';
import { REDIS_URL, dropPrefix } from './redis-keys.ts';
import { check, info, type Metric } from './report.ts';
import { summarize, type Summary } from './stats.ts';

/** Turns per block; the two paths take turns block by block so drift on the machine hits both alike. */
const BLOCK = 100;
const TURN_TIMEOUT_MS = 10_000;

/**
 * discord.js options for the bench only: no 5 s IDENTIFY wait, and no client-side global limit of 50
 * requests a second (each DM costs two: typing and the reply), which one-at-a-time turns of a few ms
 * would hit and which `rejectOnRateLimit` turns into a retried job: a rate limit, not the layer's cost.
 */
const BENCH_CLIENT_OPTIONS = {
  ws: { buildIdentifyThrottler: async () => ({ waitForIdentify: async () => {} }) },
  rest: { globalRequestsPerSecond: 1_000_000 },
} satisfies Partial<ClientOptions>;

/** Times single round trips through the mesh pipe: add → reply received (roundtrip.ts's measurement). */
class MeshTurns {
  readonly samples: number[] = [];
  readonly #pipe: HelixPipe;
  #pending: { conv: string; resolve: (r: PipeReply) => void } | undefined;
  #n = 0;

  constructor(pipe: HelixPipe) {
    this.#pipe = pipe;
    pipe.onReply((r) => {
      if (this.#pending && r.conv === this.#pending.conv) this.#pending.resolve(r);
    });
  }

  async run(count: number, measure: boolean): Promise<void> {
    for (let i = 0; i < count; i++) {
      const conv = `dc-mesh-${(this.#n++).toString(36).padStart(4, '0')}`;
      let timer: NodeJS.Timeout | undefined;
      const reply = new Promise<PipeReply>((resolve, reject) => {
        this.#pending = { conv, resolve };
        timer = setTimeout(() => reject(new Error(`mesh: no reply for ${conv} within ${TURN_TIMEOUT_MS} ms`)), TURN_TIMEOUT_MS);
      });
      const t0 = performance.now();
      await this.#pipe.send([{ conv, seq: 1 }]);
      const r = await reply.finally(() => clearTimeout(timer));
      if (measure) this.samples.push(r.at - t0);
    }
    this.#pending = undefined;
  }
}

/** One DM channel per user, so every turn is a new conversation and history stays empty. */
interface Dm {
  userId: string;
  channelId: string;
}

/** Times single DMs: just before `sendMessage` → the fake records the reply's POST; plus where that time went. */
class DiscordTurns {
  readonly samples: number[] = [];
  /** sendMessage → the bot's messageCreate listeners run (gateway frame, JSON decode, discord.js caching). */
  readonly toGateway: number[] = [];
  /** messageCreate → the typing POST recorded (facts, envelope, inbound add, then typing's REST call). */
  readonly gatewayToTyping: number[] = [];
  /** messageCreate → the reply POST recorded (everything after the gateway). */
  readonly gatewayToPost: number[] = [];
  /** Replies whose POST came before the typing POST (typing is sent after the inbound add resolves). */
  typingAfterReply = 0;
  /** REST answers ≥ 400 the fake gave during the turns (a 429 would mean the run measured a rate limit). */
  restErrors = 0;
  readonly #fake: FakeDiscord;
  readonly #dms: readonly Dm[];
  #next = 0;
  #expect: { channelId: string; at: number } | undefined;

  constructor(fake: FakeDiscord, bot: RunningDiscordBot, dms: readonly Dm[]) {
    this.#fake = fake;
    this.#dms = dms;
    // Added after the bot's own listener: runs in the same emit, right after the intake is called.
    bot.client.on(Events.MessageCreate, (m) => {
      if (this.#expect && m.channelId === this.#expect.channelId && !this.#expect.at) this.#expect.at = performance.now();
    });
  }

  async run(count: number, measure: boolean): Promise<void> {
    for (let i = 0; i < count; i++) {
      const dm = this.#dms[this.#next++];
      if (!dm) throw new Error('discord: out of DM users');
      const messagesPath = `/channels/${dm.channelId}/messages`;
      const typingPath = `/channels/${dm.channelId}/typing`;
      this.#fake.clearRecords();
      let typedAt = 0;
      let postedAt = 0;
      // The recorder calls this synchronously as it records each request (before answering it).
      const posted = this.#fake.waitFor(
        'rest',
        (r) => {
          if (r.status >= 400) this.restErrors++;
          if (r.method !== 'POST' || r.status >= 400) return false;
          if (r.path === typingPath) typedAt ||= performance.now();
          else if (r.path === messagesPath) postedAt = performance.now();
          return postedAt !== 0;
        },
        TURN_TIMEOUT_MS,
      );
      const expect = { channelId: dm.channelId, at: 0 };
      this.#expect = expect;
      const t0 = performance.now();
      const sent = this.#fake.sendMessage({ channelId: dm.channelId, author: dm.userId, content: `message ${i + 1}` });
      const record = await posted.catch((err: Error) => {
        throw new Error(`discord: no reply POST in ${dm.channelId} within ${TURN_TIMEOUT_MS} ms (${err.message})`);
      });
      const body = record.body as { content?: unknown; message_reference?: { message_id?: unknown } } | undefined;
      if (body?.message_reference?.message_id !== sent.id) throw new Error(`discord: the POST in ${dm.channelId} does not answer ${sent.id}: ${JSON.stringify(body)}`);
      if (!measure) continue;
      this.samples.push(postedAt - t0);
      if (expect.at) {
        this.toGateway.push(expect.at - t0);
        this.gatewayToPost.push(postedAt - expect.at);
        if (typedAt) this.gatewayToTyping.push(typedAt - expect.at);
      }
      if (!typedAt) this.typingAfterReply++;
    }
    this.#expect = undefined;
  }
}

export async function benchDiscord(opts: BenchOptions): Promise<{ metrics: Metric[]; notes: string[] }> {
  // Half of --turns / --warmup: ~1,000 measured and ~100 warmup by default, each.
  const turns = Math.max(1, Math.round(opts.turns / 2));
  const warmup = Math.round(opts.warmup / 2);
  const users = Array.from({ length: warmup + turns }, (_, i) => ({ username: `bench${i.toString().padStart(5, '0')}` }));

  const helix = await startHelixPipe({ logLevel: opts.brainLog });
  let fake: FakeDiscord | undefined;
  let bot: RunningDiscordBot | undefined;
  let closing: Promise<void> | undefined;
  // The bot before the brain pipe (whose close drops the prefix both share).
  const close = () => {
    closing ??= (async () => {
      untrack();
      await bot?.close();
      await fake?.close();
      await helix.close();
      await dropPrefix(helix.prefix); // anything the bot wrote while closing
    })();
    return closing;
  };
  const untrack = track(close);
  try {
    fake = await startFakeDiscord({ users });
    const dms: Dm[] = users.map((u) => {
      const userId = fake!.user(u.username).id;
      return { userId, channelId: fake!.dmChannel(userId).id };
    });
    // The bot on the brain pipe's prefix: the same brain answers both paths (web → outbound-web, discord → outbound-discord).
    const config = HelixConfig.parse({
      log: { level: opts.brainLog },
      redis: { url: REDIS_URL, prefix: helix.prefix },
      discord: { token: fake.token, apiUrl: fake.apiUrl, port: 0 },
    });
    const log = createLogger('discord', opts.brainLog, pino.destination({ dest: '/dev/null', sync: true }));
    bot = await startDiscordBot({ config, redisUrl: REDIS_URL, log, clientOptions: BENCH_CLIENT_OPTIONS, serveHttp: false, readyTimeoutMs: 10_000 });

    const m = new MeshTurns(helix);
    const d = new DiscordTurns(fake, bot, dms);
    say(`discord: warmup ${warmup} each`);
    await m.run(warmup, false);
    await d.run(warmup, false);
    say(`discord: ${turns} measured each, alternating blocks of ${BLOCK}`);
    for (let done = 0; done < turns; done += BLOCK) {
      const n = Math.min(BLOCK, turns - done);
      await m.run(n, true);
      await d.run(n, true);
    }
    const ds = summarize(d.samples);
    const ms = summarize(m.samples);
    const gw = summarize(d.toGateway);
    const typing = summarize(d.gatewayToTyping);
    const after = summarize(d.gatewayToPost);
    const stages = await helix.stageMeansMs();
    const failures = await helix.failures();
    const dist = (s: Summary, who: string, key: string): Metric[] => [
      info(`${key}_p50_ms`, `${who} p50`, s.p50, 'ms'),
      info(`${key}_p90_ms`, `${who} p90`, s.p90, 'ms'),
      info(`${key}_p99_ms`, `${who} p99`, s.p99, 'ms'),
      info(`${key}_max_ms`, `${who} max`, s.max, 'ms'),
    ];
    return {
      metrics: [
        ...dist(ds, 'discord (MESSAGE_CREATE → reply POST)', 'discord'),
        ...dist(ms, 'mesh (inbound add → outbound consumer)', 'mesh'),
        info('overhead_p50_ms', 'Discord overhead p50 (discord − mesh)', ds.p50 - ms.p50, 'ms'),
        check('overhead_p99_ms', "Discord layer's own overhead p99 (discord − mesh)", ds.p99 - ms.p99, 'ms', '<=', 5),
        info('gateway_p50_ms', 'diagnostic: sendMessage → messageCreate, p50', gw.p50, 'ms'),
        info('gateway_p99_ms', 'diagnostic: sendMessage → messageCreate, p99', gw.p99, 'ms'),
        info('to_typing_p50_ms', 'diagnostic: messageCreate → typing POST, p50', typing.p50, 'ms'),
        info('after_gateway_p50_ms', 'diagnostic: messageCreate → reply POST, p50', after.p50, 'ms'),
        info('after_gateway_p99_ms', 'diagnostic: messageCreate → reply POST, p99', after.p99, 'ms'),
        info('typing_after_reply', 'diagnostic: typing POST after the reply', d.typingAfterReply),
        info('turns', 'measured turns (each)', ds.n),
        info('rest_errors', 'fake REST answers ≥ 400 during turns', d.restErrors),
        info('mesh_failures', 'failed jobs + dead letters (web side)', failures.deadLetters + Object.values(failures.failedJobs).reduce((a, x) => a + x, 0)),
      ],
      notes: [
        `sequential, one turn in flight; discord: every turn a DM from a new user (${warmup + turns} users, one DM channel each, so history stays empty); mesh: every turn a new web conversation; warmup ${warmup} each (half of --warmup), ${turns} measured each (half of --turns)`,
        'discord: just before fake.sendMessage (MESSAGE_CREATE over the fake gateway WebSocket) → the fake records POST /channels/:id/messages for that reply (recorder callback, before it answers); the bot in-process (startDiscordBot, discord.js 14, log → /dev/null), fake Discord in-process',
        `mesh: console-like producer → inbound → brain → outbound-web → Worker (roundtrip.ts's pipe); the same brain (PGlite in memory, instant model, burst quietMs 0, log ${opts.brainLog} → /dev/null) serves both paths on one prefix`,
        'bench-only client options: no IDENTIFY wait, discord.js global limit lifted (each DM costs 2 requests; Discord allows 50/s per bot, so > 25 DMs/s would be rate-limited in production)',
        'overhead = the discord figure − the mesh figure at the same percentile; it includes the fake\'s own work (gateway JSON encode, HTTP parse), which Discord does elsewhere',
        `brain stage means, both paths (ms): ${Object.entries(stages).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`,
      ],
    };
  } finally {
    await close();
  }
}
