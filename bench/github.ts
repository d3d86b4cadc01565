// 9. The GitHub layer's own overhead: a signed issue_comment webhook mentioning the app → the reply's
// issue comment at the fake REST API, against the mesh round trip of the same brain without GitHub
// (producer → inbound → brain → outbound-web → consumer, as roundtrip.ts), in alternating blocks.
import { generateKeyPairSync } from 'node:crypto';
import { pino } from 'pino';
import { startGitHubBot, type RunningGitHubBot } from '../bots/github/github-bot.ts';
import { HelixConfig } from '../config/index.ts';
import { createLogger } from '../mesh/index.ts';
import { startFakeGitHub, type FakeGitHub, type RecordedComment } from '../tests/fakes/github/index.ts';
import type { BenchOptions } from './args.ts';
import { track } from './cleanup.ts';
import { startHelixPipe } from './helix-pipe.ts';
import { say } from './progress.ts';
import { REDIS_URL, dropPrefix } from './redis-keys.ts';
import { check, info, type Metric } from './report.ts';
import { BLOCK, MeshTurns, TURN_TIMEOUT_MS, dist } from './slack.ts';
import { summarize } from './stats.ts';

const APP_ID = 424242;
const INSTALLATION = 1001;
const SECRET = 'bench-webhook-secret';
const SLUG = 'helix-bot';
const REPO = { owner: 'helix-org', repo: 'helix' };
/** Issue numbers of the bench start here (one new issue per turn, so every turn is a new conversation). */
const FIRST_ISSUE = 1_000;

/** Times single webhooks: just before `deliver` → the fake records the comment on that issue; plus the HTTP ack. */
class GitHubTurns {
  readonly samples: number[] = [];
  /** deliver: request sent → the bot's answer read (signature check, routing, inbound add). */
  readonly acks: number[] = [];
  /** The bot's answer read → comment recorded (only where the ack came first). */
  readonly ackToComment: number[] = [];
  /** Comments recorded before the HTTP answer was read. */
  commentBeforeAck = 0;
  /** REST answers ≥ 400 the fake gave during the turns. */
  restErrors = 0;
  readonly #fake: FakeGitHub;
  readonly #bot: RunningGitHubBot;
  #issue = FIRST_ISSUE;
  #watch: ((c: RecordedComment) => void) | undefined;

  constructor(fake: FakeGitHub, bot: RunningGitHubBot) {
    this.#fake = fake;
    this.#bot = bot;
    // The fake pushes each comment onto this array right before it answers the POST: hook the push.
    const comments = fake.comments;
    const push = comments.push.bind(comments);
    comments.push = (...items: RecordedComment[]) => {
      const n = push(...items);
      for (const c of items) this.#watch?.(c);
      return n;
    };
  }

  async run(count: number, measure: boolean): Promise<void> {
    for (let i = 0; i < count; i++) {
      const issueNumber = this.#issue++;
      this.#fake.comments.length = 0;
      this.#fake.requests.length = 0;
      let commentedAt = 0;
      let timer: NodeJS.Timeout | undefined;
      const commented = new Promise<RecordedComment>((resolve, reject) => {
        this.#watch = (c) => {
          if (c.issueNumber === issueNumber && !commentedAt) {
            commentedAt = performance.now();
            resolve(c);
          }
        };
        timer = setTimeout(() => reject(new Error(`github: no comment on #${issueNumber} within ${TURN_TIMEOUT_MS} ms`)), TURN_TIMEOUT_MS);
      });
      const payload = this.#fake.payloads.issueComment({ repo: REPO, issueNumber, text: `message ${i + 1}`, installationId: INSTALLATION });
      const t0 = performance.now();
      const ack = await this.#fake.deliver('issue_comment', payload, { url: this.#bot.webhookUrl, secret: SECRET });
      const ackedAt = performance.now();
      if (ack.status >= 300) throw new Error(`github: the bot answered ${ack.status} to delivery ${ack.deliveryId}: ${ack.responseBody}`);
      await commented.finally(() => clearTimeout(timer));
      this.restErrors += this.#fake.requests.filter((r) => r.status >= 400).length;
      if (!measure) continue;
      this.samples.push(commentedAt - t0);
      this.acks.push(ackedAt - t0);
      if (commentedAt >= ackedAt) this.ackToComment.push(commentedAt - ackedAt);
      else this.commentBeforeAck++;
    }
    this.#watch = undefined;
  }
}

export async function benchGitHub(opts: BenchOptions): Promise<{ metrics: Metric[]; notes: string[] }> {
  // A quarter of --turns / --warmup: ~500 measured and ~50 warmup by default, each.
  const turns = Math.max(1, Math.round(opts.turns / 4));
  const warmup = Math.round(opts.warmup / 4);

  const helix = await startHelixPipe({ logLevel: opts.brainLog });
  let fake: FakeGitHub | undefined;
  let bot: RunningGitHubBot | undefined;
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
    const { privateKey, publicKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    // No rate limit in the way: one installation token serves every turn.
    fake = await startFakeGitHub({ appId: APP_ID, key: publicKey, slug: SLUG, installations: [INSTALLATION], rateLimit: 1_000_000 });
    for (let n = FIRST_ISSUE; n < FIRST_ISSUE + warmup + turns; n++) fake.seedIssue({ ...REPO, number: n, title: `Bench issue ${n}`, body: 'bench' });
    // The bot on the brain pipe's prefix: the same brain answers both paths (web → outbound-web, github → outbound-github).
    const config = HelixConfig.parse({
      log: { level: opts.brainLog },
      redis: { url: REDIS_URL, prefix: helix.prefix },
      github: { appId: APP_ID, privateKey, webhookSecret: SECRET, apiUrl: fake.baseUrl, port: 0, slug: SLUG },
    });
    const log = createLogger('github', opts.brainLog, pino.destination({ dest: '/dev/null', sync: true }));
    bot = await startGitHubBot({ config, redisUrl: REDIS_URL, log });

    const m = new MeshTurns(helix, 'gh');
    const g = new GitHubTurns(fake, bot);
    say(`github: warmup ${warmup} each`);
    await m.run(warmup, false);
    await g.run(warmup, false);
    say(`github: ${turns} measured each, alternating blocks of ${BLOCK}`);
    for (let done = 0; done < turns; done += BLOCK) {
      const n = Math.min(BLOCK, turns - done);
      await m.run(n, true);
      await g.run(n, true);
    }
    const gs = summarize(g.samples);
    const ms = summarize(m.samples);
    const ack = summarize(g.acks);
    const after = summarize(g.ackToComment);
    const stages = await helix.stageMeansMs();
    const failures = await helix.failures();
    return {
      metrics: [
        ...dist(gs, 'github (signed webhook POST → issue comment)', 'github'),
        ...dist(ms, 'mesh (inbound add → outbound consumer)', 'mesh'),
        info('overhead_p50_ms', 'GitHub overhead p50 (github − mesh)', gs.p50 - ms.p50, 'ms'),
        check('overhead_p99_ms', "GitHub layer's own overhead p99 (github − mesh)", gs.p99 - ms.p99, 'ms', '<=', 5),
        info('ack_p50_ms', 'HTTP ack (deliver → answer read) p50', ack.p50, 'ms'),
        info('ack_p99_ms', 'HTTP ack (deliver → answer read) p99', ack.p99, 'ms'),
        info('after_ack_p50_ms', 'diagnostic: ack read → comment, p50', after.p50, 'ms'),
        info('after_ack_p99_ms', 'diagnostic: ack read → comment, p99', after.p99, 'ms'),
        info('comment_before_ack', 'diagnostic: comments recorded before the ack was read', g.commentBeforeAck),
        info('turns', 'measured turns (each)', gs.n),
        info('rest_errors', 'fake REST answers ≥ 400 during turns', g.restErrors),
        info('token_mints', 'installation tokens minted', fake.tokenMintCount()),
        info('mesh_failures', 'failed jobs + dead letters (web side)', failures.deadLetters + Object.values(failures.failedJobs).reduce((a, x) => a + x, 0)),
      ],
      notes: [
        `sequential, one turn in flight; github: every turn an issue_comment.created mentioning @${SLUG} on a new seeded issue (#${FIRST_ISSUE}…, ${warmup + turns} issues) with a new delivery id, so history stays empty; mesh: every turn a new web conversation; warmup ${warmup} each (a quarter of --warmup), ${turns} measured each (a quarter of --turns)`,
        'github: just before fake.deliver (HMAC-SHA256-signed POST to the webhook URL) → the fake records POST /repos/:o/:r/issues/:n/comments for that issue (hooked on the recorder\'s push, before it answers); the bot in-process (startGitHubBot, @octokit/app, log → /dev/null), fake GitHub in-process; the installation token is minted once and cached',
        `mesh: console-like producer → inbound → brain → outbound-web → Worker (roundtrip.ts's pipe); the same brain (PGlite in memory, instant model, burst quietMs 0, log ${opts.brainLog} → /dev/null) serves both paths on one prefix`,
        'overhead = the github figure − the mesh figure at the same percentile; it includes the fake\'s own work (HMAC signing, fetch, JSON parse of the REST call), which GitHub does elsewhere',
        `brain stage means, both paths (ms): ${Object.entries(stages).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`,
      ],
    };
  } finally {
    await close();
  }
}
