// 1. Round trip latency: one text turn at a time, each in a new conversation (so history never grows; a
// diagnostic adds people writing again in their own conversations),
// through the Helix mesh and through bare BullMQ, in alternating blocks on the same Redis.
import type { Redis } from 'ioredis';
import type { BenchOptions } from './args.ts';
import { startBarePipe } from './bare-pipe.ts';
import { startHelixPipe } from './helix-pipe.ts';
import type { Pipe, PipeReply } from './pipe.ts';
import { say } from './progress.ts';
import { CLIENT_COMMANDS, addCallsBetween, allCalls, clientRoundTrips, commandCalls } from './redis-commands.ts';
import { connect } from './redis-keys.ts';
import { check, info, type Metric } from './report.ts';
import { summarize, type Summary } from './stats.ts';

/** Turns per block; the pipes take turns block by block so drift on the machine hits all alike. */
const BLOCK = 100;
/** Conversations of the "writing again" diagnostic, answered in turn. */
const RETURNING = 20;
/** Messages after which a conversation's history read is full (brain.historyMessages 12 entries = 6 exchanges). */
const HISTORY_FULL = 6;
const TURN_TIMEOUT_MS = 10_000;

/** Times single round trips through one pipe: add → reply received. */
class RoundTripper {
  readonly samples: number[] = [];
  #pending: { conv: string; resolve: (r: PipeReply) => void } | undefined;
  #n = 0;

  readonly pipe: Pipe;
  /** Conversations taken in turn, each its own person writing again (history and person known); unset: a new one every turn. */
  readonly #returning: number | undefined;

  constructor(pipe: Pipe, returning?: number) {
    this.pipe = pipe;
    this.#returning = returning;
    pipe.onReply((r) => {
      if (this.#pending && r.conv === this.#pending.conv) this.#pending.resolve(r);
    });
  }

  /** Redis commands during the measured turns, by name (see redis-commands.ts). */
  readonly calls = new Map<string, number>();

  /** Runs `count` sequential turns; keeps their times (and Redis command counts, read through `admin`) when `measure`. */
  async run(count: number, measure: boolean, admin?: Redis): Promise<void> {
    const before = measure && admin ? await commandCalls(admin) : undefined;
    for (let i = 0; i < count; i++) {
      const n = this.#n++;
      const conv = this.#returning ? `rr-${n % this.#returning}` : `rt-${n.toString(36).padStart(4, '0')}`;
      const seq = this.#returning ? Math.floor(n / this.#returning) + 1 : 1;
      let timer: NodeJS.Timeout | undefined;
      const reply = new Promise<PipeReply>((resolve, reject) => {
        this.#pending = { conv, resolve };
        timer = setTimeout(() => reject(new Error(`${this.pipe.name}: no reply for ${conv} within ${TURN_TIMEOUT_MS} ms`)), TURN_TIMEOUT_MS);
      });
      const t0 = performance.now();
      await this.pipe.send([{ conv, seq }]);
      const r = await reply.finally(() => clearTimeout(timer));
      if (measure) this.samples.push(r.at - t0);
    }
    this.#pending = undefined;
    if (before && admin) addCallsBetween(before, await commandCalls(admin), this.calls);
  }
}

export async function benchRoundTrip(opts: BenchOptions): Promise<{ metrics: Metric[]; notes: string[] }> {
  const helix = await startHelixPipe({ logLevel: opts.brainLog });
  const bare = await startBarePipe();
  // Diagnostic: the same brain with a store that does no database work, to split the mesh from PGlite.
  const nullStore = await startHelixPipe({ logLevel: opts.brainLog, store: 'null' });
  const returningPipe = await startHelixPipe({ logLevel: opts.brainLog });
  const admin = connect();
  try {
    const h = new RoundTripper(helix);
    const b = new RoundTripper(bare);
    const d = new RoundTripper(nullStore);
    // Diagnostic: the same brain, people writing again in their own conversations (the usual turn once someone
    // is known: person cached, history read and written, memories searched). Its own brain, so its history
    // and people do not change what the first-message measurement sees.
    const r = new RoundTripper(returningPipe, RETURNING);
    say(`round trip: warmup ${opts.warmup} each`);
    await b.run(opts.warmup, false);
    await h.run(opts.warmup, false);
    await d.run(opts.warmup, false);
    // Every returning conversation past its first message, and its history full, before measuring.
    await r.run(Math.max(opts.warmup, RETURNING * (HISTORY_FULL + 1)), false);
    say(`round trip: ${opts.turns} measured each, alternating blocks of ${BLOCK}`);
    for (let done = 0; done < opts.turns; done += BLOCK) {
      const n = Math.min(BLOCK, opts.turns - done);
      await b.run(n, true, admin);
      await h.run(n, true, admin);
      await d.run(n, true, admin);
      await r.run(n, true);
    }
    const hs = summarize(h.samples);
    const bs = summarize(b.samples);
    const ds = summarize(d.samples);
    const rs = summarize(r.samples);
    const stages = await helix.stageMeansMs();
    const failures = await helix.failures();
    const ms = (s: Summary, who: string, key: string): Metric[] => [
      info(`${key}_p50_ms`, `${who} p50`, s.p50, 'ms'),
      info(`${key}_p90_ms`, `${who} p90`, s.p90, 'ms'),
      info(`${key}_p99_ms`, `${who} p99`, s.p99, 'ms'),
      info(`${key}_max_ms`, `${who} max`, s.max, 'ms'),
    ];
    return {
      metrics: [
        ...ms(hs, 'helix', 'helix'),
        ...ms(bs, 'bare BullMQ', 'bare'),
        check('ratio_p50', 'ratio p50 (helix / bare)', hs.p50 / bs.p50, 'x', '<=', 2),
        info('ratio_p90', 'ratio p90 (helix / bare)', hs.p90 / bs.p90, 'x'),
        check('ratio_p99', 'ratio p99 (helix / bare)', hs.p99 / bs.p99, 'x', '<=', 3),
        info('nostore_p50_ms', 'diagnostic: helix, store stubbed, p50', ds.p50, 'ms'),
        info('nostore_p99_ms', 'diagnostic: helix, store stubbed, p99', ds.p99, 'ms'),
        info('nostore_ratio_p50', 'diagnostic: ratio p50 (stubbed / bare)', ds.p50 / bs.p50, 'x'),
        info('returning_p50_ms', `diagnostic: helix, people writing again (${RETURNING} conversations in turn), p50`, rs.p50, 'ms'),
        info('returning_p99_ms', 'diagnostic: helix, people writing again, p99', rs.p99, 'ms'),
        info('returning_ratio_p50', 'diagnostic: ratio p50 (writing again / bare)', rs.p50 / bs.p50, 'x'),
        info('helix_redis_round_trips', 'Redis client round trips per turn, helix', clientRoundTrips(h.calls) / hs.n),
        info('bare_redis_round_trips', 'Redis client round trips per turn, bare BullMQ', clientRoundTrips(b.calls) / bs.n),
        info('helix_redis_commands', 'Redis commands per turn (scripts\' own included), helix', allCalls(h.calls) / hs.n),
        info('bare_redis_commands', 'Redis commands per turn (scripts\' own included), bare BullMQ', allCalls(b.calls) / bs.n),
        info('turns', 'measured turns (each)', hs.n),
        info('mesh_failures', 'failed jobs + dead letters', failures.deadLetters + Object.values(failures.failedJobs).reduce((a, x) => a + x, 0)),
      ],
      notes: [
        `sequential, one turn in flight, every turn a new web conversation (history stays empty); warmup ${opts.warmup} each; same Redis (${new URL(process.env.REDIS_URL || 'redis://127.0.0.1:6379').host})`,
        `helix: console-like producer (toInboundTurn + inboundJobOptions) → inbound → brain (intake answers the idle conversation itself: mailbox → stages, PGlite in memory, instant model, burst quietMs 0, log ${opts.brainLog} → /dev/null) → outbound-web → Worker`,
        'bare: Queue A add → Worker A adds to Queue B → Worker B, default job options',
        'diagnostic: the same brain with a store whose queries are compiled but answered empty (Kysely DummyDriver): the mesh without PGlite',
        `diagnostic, writing again: a second helix brain (PGlite of its own), ${RETURNING} conversations answered in turn, each one person's, measured once every conversation's history is full (${HISTORY_FULL} exchanges; 12 entries read per turn): the usual turn of someone Helix knows`,
        `brain stage means (ms): ${Object.entries(stages).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`,
        `Redis round trips are evalsha + bzpopmin (INFO commandstats, server-wide): each BullMQ hop costs about 4–5 (an add, a fetch, a second fetch that finds nothing when the worker runs several jobs at once, a finish, a blocking pop); helix has two hops here (inbound, outbound; a busy conversation or a quiet window adds the turns hop) and the mailbox's two scripts, bare two hops. Per turn: helix ${callList(h.calls, hs.n)}; bare ${callList(b.calls, bs.n)}`,
      ],
    };
  } finally {
    await Promise.allSettled([helix.close(), bare.close(), nullStore.close(), returningPipe.close(), admin.quit()]);
  }
}

/** The client's own commands per turn, e.g. "evalsha 18.0, bzpopmin 6.0". */
function callList(calls: Map<string, number>, turns: number): string {
  return CLIENT_COMMANDS.filter((k) => calls.has(k)).map((k) => `${k} ${(calls.get(k)! / turns).toFixed(1)}`).join(', ');
}
