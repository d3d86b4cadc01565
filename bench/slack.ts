// 8. The Slack layer's own overhead: a signed Events API DM (v0) POSTed to the bot → the reply's
// chat.postMessage at the fake Web API, against the mesh round trip of the same brain without Slack
// (producer → inbound → brain → outbound-web → consumer, as roundtrip.ts), in alternating blocks.
import { pino } from 'pino';
import { startSlackBot, type RunningSlackBot } from '../bots/slack/slack-bot.ts';
import { HelixConfig } from '../config/index.ts';
import { createLogger } from '../mesh/index.ts';
import { startFakeSlack, type FakeSlack, type RecordedCall } from '../tests/fakes/slack/index.ts';
import type { BenchOptions } from './args.ts';
import { track } from './cleanup.ts';
import { startHelixPipe, type HelixPipe } from './helix-pipe.ts';
import type { PipeReply } from './pipe.ts';
import { say } from './progress.ts';
import { REDIS_URL, dropPrefix } from './redis-keys.ts';
import { check, info, type Metric } from './report.ts';
import { summarize, type Summary } from './stats.ts';

/** Turns per block; the two paths take turns block by block so drift on the machine hits both alike. */
export const BLOCK = 100;
export const TURN_TIMEOUT_MS = 10_000;

/** Times single round trips through the mesh pipe: add → reply received (roundtrip.ts's measurement). */
export class MeshTurns {
  readonly samples: number[] = [];
  readonly #pipe: HelixPipe;
  readonly #tag: string;
  #pending: { conv: string; resolve: (r: PipeReply) => void } | undefined;
  #n = 0;

  constructor(pipe: HelixPipe, tag: string) {
    this.#pipe = pipe;
    this.#tag = tag;
    pipe.onReply((r) => {
      if (this.#pending && r.conv === this.#pending.conv) this.#pending.resolve(r);
    });
  }

  async run(count: number, measure: boolean): Promise<void> {
    for (let i = 0; i < count; i++) {
      const conv = `${this.#tag}-mesh-${(this.#n++).toString(36).padStart(4, '0')}`;
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

/** The four percentiles of a sample as info metrics. */
export function dist(s: Summary, who: string, key: string): Metric[] {
  return [
    info(`${key}_p50_ms`, `${who} p50`, s.p50, 'ms'),
    info(`${key}_p90_ms`, `${who} p90`, s.p90, 'ms'),
    info(`${key}_p99_ms`, `${who} p99`, s.p99, 'ms'),
    info(`${key}_max_ms`, `${who} max`, s.max, 'ms'),
  ];
}

/** One DM channel per user, so every turn is a new conversation and history stays empty. */
interface Dm {
  userId: string;
  channelId: string;
}

/** Times single DMs: just before `deliver` → the fake records the reply's chat.postMessage; plus the HTTP ack. */
class SlackTurns {
  readonly samples: number[] = [];
  /** deliver's elapsedMs: request sent → the bot's answer read (signature check, Bolt, inbound add). */
  readonly acks: number[] = [];
  /** The bot's answer read → chat.postMessage recorded (only where the ack came first). */
  readonly ackToPost: number[] = [];
  /** Replies recorded before the HTTP answer was read. */
  postBeforeAck = 0;
  /** Web API answers not ok during the turns (a ratelimited would mean the run measured a rate limit). */
  apiErrors = 0;
  readonly #fake: FakeSlack;
  readonly #bot: RunningSlackBot;
  readonly #dms: readonly Dm[];
  #next = 0;
  #watch: ((c: RecordedCall) => void) | undefined;

  constructor(fake: FakeSlack, bot: RunningSlackBot, dms: readonly Dm[]) {
    this.#fake = fake;
    this.#bot = bot;
    this.#dms = dms;
    // The fake pushes each call onto this array right before it writes the answer: hook the push.
    const calls = fake.calls;
    const push = calls.push.bind(calls);
    calls.push = (...items: RecordedCall[]) => {
      const n = push(...items);
      for (const c of items) this.#watch?.(c);
      return n;
    };
  }

  async run(count: number, measure: boolean): Promise<void> {
    for (let i = 0; i < count; i++) {
      const dm = this.#dms[this.#next++];
      if (!dm) throw new Error('slack: out of DM users');
      this.#fake.calls.length = 0;
      this.#fake.messages.length = 0;
      let postedAt = 0;
      let timer: NodeJS.Timeout | undefined;
      const posted = new Promise<RecordedCall>((resolve, reject) => {
        this.#watch = (c) => {
          if (c.status >= 400 || c.response['ok'] !== true) this.apiErrors++;
          if (c.method === 'chat.postMessage' && c.args['channel'] === dm.channelId && c.response['ok'] === true && !postedAt) {
            postedAt = performance.now();
            resolve(c);
          }
        };
        timer = setTimeout(() => reject(new Error(`slack: no chat.postMessage in ${dm.channelId} within ${TURN_TIMEOUT_MS} ms`)), TURN_TIMEOUT_MS);
      });
      const payload = this.#fake.dm(`message ${i + 1}`, { channel: dm.channelId, user: dm.userId });
      const t0 = performance.now();
      const ack = await this.#fake.deliver(this.#bot.eventsUrl, payload);
      const ackedAt = performance.now();
      if (ack.status !== 200) throw new Error(`slack: the bot answered ${ack.status} to ${payload.event_id}: ${ack.body}`);
      await posted.finally(() => clearTimeout(timer));
      if (!measure) continue;
      this.samples.push(postedAt - t0);
      this.acks.push(ack.elapsedMs);
      if (postedAt >= ackedAt) this.ackToPost.push(postedAt - ackedAt);
      else this.postBeforeAck++;
    }
    this.#watch = undefined;
  }
}

export async function benchSlack(opts: BenchOptions): Promise<{ metrics: Metric[]; notes: string[] }> {
  // A quarter of --turns / --warmup: ~500 measured and ~50 warmup by default, each.
  const turns = Math.max(1, Math.round(opts.turns / 4));
  const warmup = Math.round(opts.warmup / 4);

  const helix = await startHelixPipe({ logLevel: opts.brainLog });
  let fake: FakeSlack | undefined;
  let bot: RunningSlackBot | undefined;
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
    fake = await startFakeSlack();
    const dms: Dm[] = [];
    for (let i = 0; i < warmup + turns; i++) {
      const n = i.toString(36).toUpperCase().padStart(5, '0');
      const dm = { userId: `U0BENCH${n}`, channelId: `D0BENCH${n}` };
      fake.addUser({ id: dm.userId, name: `bench${n.toLowerCase()}` });
      fake.addChannel({ id: dm.channelId, kind: 'im', user: dm.userId });
      dms.push(dm);
    }
    // The bot on the brain pipe's prefix: the same brain answers both paths (web → outbound-web, slack → outbound-slack).
    const config = HelixConfig.parse({
      log: { level: opts.brainLog },
      redis: { url: REDIS_URL, prefix: helix.prefix },
      slack: { botToken: fake.botToken, signingSecret: fake.signingSecret, apiUrl: fake.apiUrl, port: 0 },
    });
    const log = createLogger('slack', opts.brainLog, pino.destination({ dest: '/dev/null', sync: true }));
    bot = await startSlackBot({ config, redisUrl: REDIS_URL, log });

    const m = new MeshTurns(helix, 'sl');
    const s = new SlackTurns(fake, bot, dms);
    say(`slack: warmup ${warmup} each`);
    await m.run(warmup, false);
    await s.run(warmup, false);
    say(`slack: ${turns} measured each, alternating blocks of ${BLOCK}`);
    for (let done = 0; done < turns; done += BLOCK) {
      const n = Math.min(BLOCK, turns - done);
      await m.run(n, true);
      await s.run(n, true);
    }
    const ss = summarize(s.samples);
    const ms = summarize(m.samples);
    const ack = summarize(s.acks);
    const after = summarize(s.ackToPost);
    const stages = await helix.stageMeansMs();
    const failures = await helix.failures();
    return {
      metrics: [
        ...dist(ss, 'slack (signed event POST → chat.postMessage)', 'slack'),
        ...dist(ms, 'mesh (inbound add → outbound consumer)', 'mesh'),
        info('overhead_p50_ms', 'Slack overhead p50 (slack − mesh)', ss.p50 - ms.p50, 'ms'),
        check('overhead_p99_ms', "Slack layer's own overhead p99 (slack − mesh)", ss.p99 - ms.p99, 'ms', '<=', 5),
        info('ack_p50_ms', 'HTTP ack (deliver elapsedMs) p50', ack.p50, 'ms'),
        info('ack_p99_ms', 'HTTP ack (deliver elapsedMs) p99', ack.p99, 'ms'),
        info('after_ack_p50_ms', 'diagnostic: ack read → chat.postMessage, p50', after.p50, 'ms'),
        info('after_ack_p99_ms', 'diagnostic: ack read → chat.postMessage, p99', after.p99, 'ms'),
        info('post_before_ack', 'diagnostic: replies recorded before the ack was read', s.postBeforeAck),
        info('turns', 'measured turns (each)', ss.n),
        info('api_errors', 'fake Web API answers not ok during turns', s.apiErrors),
        info('mesh_failures', 'failed jobs + dead letters (web side)', failures.deadLetters + Object.values(failures.failedJobs).reduce((a, x) => a + x, 0)),
      ],
      notes: [
        `sequential, one turn in flight; slack: every turn a DM (message event, channel_type im) from a new user in a new DM channel (${warmup + turns} users) with a new event_id, so history stays empty; mesh: every turn a new web conversation; warmup ${warmup} each (a quarter of --warmup), ${turns} measured each (a quarter of --turns)`,
        'slack: just before fake.deliver (v0-signed POST /slack/events, Bolt HTTP receiver, processBeforeResponse: the answer waits for the inbound add) → the fake records chat.postMessage for that channel (hooked on the recorder\'s push, before it answers); the bot in-process (startSlackBot, Bolt, log → /dev/null), fake Slack in-process',
        `mesh: console-like producer → inbound → brain → outbound-web → Worker (roundtrip.ts's pipe); the same brain (PGlite in memory, instant model, burst quietMs 0, log ${opts.brainLog} → /dev/null) serves both paths on one prefix`,
        'overhead = the slack figure − the mesh figure at the same percentile; it includes the fake\'s own work (HMAC signing, fetch, form parse of the Web API call), which Slack does elsewhere',
        `brain stage means, both paths (ms): ${Object.entries(stages).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`,
      ],
    };
  } finally {
    await close();
  }
}
