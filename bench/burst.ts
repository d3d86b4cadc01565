// 3. Ten messages sent at once to one conversation, with the default burst quiet time (1500 ms) as a real
// user has it: none may fail, all must be answered in order; how many turns they became, and how long it took.
// Repeated ten times (each in a new conversation, one brain): a reorder that happens one time in ten still tends to show.
import type { BenchOptions } from './args.ts';
import { startHelixPipe, type HelixPipe } from './helix-pipe.ts';
import { waitUntil, type PipeReply } from './pipe.ts';
import { check, info, type Metric } from './report.ts';
import { summarize } from './stats.ts';

const MESSAGES = 10;
const QUIET_MS = 1_500;
const REPEATS = 10;
/** After the last expected reply, how long to keep listening for a stray extra one. */
const LINGER_MS = 300;

interface BurstRun {
  replies: PipeReply[];
  /** The burst lines the model was asked to answer, turn after turn (e.g. "#1 #2 | #3"). */
  seen: string[][];
  inOrder: boolean;
  lastReplyMs: number;
  firstReplyMs: number;
}

async function oneBurst(pipe: HelixPipe, conv: string): Promise<BurstRun> {
  const replies: PipeReply[] = [];
  const wait = waitUntil(() => replies.some((r) => r.seq === MESSAGES), QUIET_MS + 15_000, `the reply to the 10th message of ${conv}`);
  pipe.onReply((r) => {
    if (r.conv !== conv) return;
    replies.push(r);
    wait.tick();
  });
  const promptsBefore = pipe.model.prompts.length;
  const t0 = performance.now();
  // Ten separate adds in one tick, like ten POSTs from a fast client (each stamped when built, in order).
  await Promise.all(Array.from({ length: MESSAGES }, (_, i) => pipe.send([{ conv, seq: i + 1 }])));
  await wait.promise;
  await new Promise((r) => setTimeout(r, LINGER_MS));
  // What the model was asked, turn by turn: the last user message of each prompt is the burst it answers.
  const seen = pipe.model.prompts.slice(promptsBefore).map((p) => (p.at(-1)?.role === 'user' ? p.at(-1)!.content.split('\n').map((l) => l.replace('message ', '#')) : []));
  const expected = Array.from({ length: MESSAGES }, (_, i) => `#${i + 1}`);
  const inOrder = seen.flat().join(' ') === expected.join(' ') && replies.every((r, i) => i === 0 || r.seq > replies[i - 1]!.seq);
  return { replies, seen, inOrder, lastReplyMs: replies.find((r) => r.seq === MESSAGES)!.at - t0, firstReplyMs: replies[0]!.at - t0 };
}

export async function benchBurst(opts: BenchOptions): Promise<{ metrics: Metric[]; notes: string[] }> {
  const pipe = await startHelixPipe({ quietMs: QUIET_MS, recordPrompts: true, logLevel: opts.brainLog });
  try {
    const runs: BurstRun[] = [];
    for (let i = 1; i <= REPEATS; i++) runs.push(await oneBurst(pipe, `burst-${i}`));
    const failures = await pipe.failures();
    const failed = failures.deadLetters + Object.values(failures.failedJobs).reduce((a, x) => a + x, 0);
    const outOfOrder = runs.filter((r) => !r.inOrder).length;
    const last = summarize(runs.map((r) => r.lastReplyMs));
    const first = runs[0]!;
    return {
      metrics: [
        check('problems', 'failed jobs + bursts answered out of order', failed + outOfOrder, '', '<=', 0),
        info('in_order_runs', `bursts answered once each, in order (of ${REPEATS})`, REPEATS - outOfOrder),
        info('turns', 'turns (model calls), first burst', first.seen.length),
        info('replies', 'final replies, first burst', first.replies.length),
        info('last_reply_ms', 'time to the last reply, first burst', first.lastReplyMs, 'ms'),
        info('last_reply_p50_ms', `time to the last reply, median of ${REPEATS}`, last.p50, 'ms'),
        info('last_reply_max_ms', `time to the last reply, max of ${REPEATS}`, last.max, 'ms'),
        info('turns_total', `turns over all ${REPEATS} bursts`, runs.reduce((n, r) => n + r.seen.length, 0)),
      ],
      notes: [
        `${MESSAGES} adds to inbound in one tick per burst, a new web conversation each, brain.burst.quietMs ${QUIET_MS} (default), maxMs 8000, ${REPEATS} bursts one after another on one brain`,
        ...runs.map((r, i) => `burst ${i + 1}: ${r.inOrder ? 'in order' : 'OUT OF ORDER'}; the model saw ${r.seen.map((s) => s.join(' ')).join(' | ')}; replies to #${r.replies.map((x) => x.seq).join(', #')}; last reply ${r.lastReplyMs.toFixed(0)} ms`),
      ],
    };
  } finally {
    await pipe.close();
  }
}
