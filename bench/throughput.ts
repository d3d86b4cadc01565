// 2. Sustained throughput: many conversations at once, Helix and bare BullMQ, per brain.concurrency.
//   bulk:   every message enqueued up front (addBulk, round-robin over conversations); bursts may coalesce,
//           so the figure is messages answered per second and the number of replies is reported beside it.
//   closed: each conversation sends its next message when the previous reply arrives (one in flight per
//           conversation, so every message is its own turn): turns per second with no coalescing.
//           Run at the first (default) concurrency only, to keep a full bench under ~5 minutes.
import type { BenchOptions } from './args.ts';
import { startBarePipe } from './bare-pipe.ts';
import { startHelixPipe, type HelixPipe } from './helix-pipe.ts';
import { waitUntil, type Pipe, type PipeMessage } from './pipe.ts';
import { say } from './progress.ts';
import { check, info, type Metric } from './report.ts';

type Mode = 'bulk' | 'closed';

interface Run {
  seconds: number;
  messages: number;
  replies: number;
  perSecond: number;
  /** Replies (turns) per second; equals perSecond in the closed loop. */
  turnsPerSecond: number;
  outOfOrder: number;
}

const CHUNK = 1_000;

/** Sends `conversations` x `perConv` messages through `pipe` and waits for each conversation's last reply. */
async function drive(pipe: Pipe, conversations: number, perConv: number, mode: Mode): Promise<Run> {
  const convs = Array.from({ length: conversations }, (_, i) => `tp-${i}`);
  const index = new Map(convs.map((c, i) => [c, i]));
  const last = new Int32Array(conversations);
  let finished = 0;
  let replies = 0;
  let outOfOrder = 0;
  let lastArrival = 0;
  let sendError: Error | undefined;
  const messages = conversations * perConv;
  const wait = waitUntil(() => finished === conversations || sendError !== undefined, Math.max(120_000, messages * 20), `${pipe.name} ${mode}: last replies of ${conversations} conversations`);
  pipe.onReply((r) => {
    const i = index.get(r.conv);
    if (i === undefined) return;
    replies += 1;
    lastArrival = r.at;
    if (r.seq <= last[i]! || (mode === 'closed' && r.seq !== last[i]! + 1)) outOfOrder += 1;
    last[i] = Math.max(last[i]!, r.seq);
    if (r.seq === perConv) {
      finished += 1;
      if (finished === conversations) wait.tick();
    } else if (mode === 'closed') {
      pipe.send([{ conv: r.conv, seq: r.seq + 1 }]).catch((err: Error) => (sendError = err));
    }
  });
  const first: PipeMessage[] = [];
  const rounds = mode === 'bulk' ? perConv : 1;
  for (let seq = 1; seq <= rounds; seq++) for (const conv of convs) first.push({ conv, seq });
  const t0 = performance.now();
  for (let i = 0; i < first.length; i += CHUNK) await pipe.send(first.slice(i, i + CHUNK));
  await wait.promise;
  if (sendError) throw sendError;
  const seconds = (lastArrival - t0) / 1_000;
  return { seconds, messages, replies, perSecond: messages / seconds, turnsPerSecond: replies / seconds, outOfOrder };
}

export async function benchThroughput(opts: BenchOptions): Promise<{ metrics: Metric[]; notes: string[] }> {
  const { conversations: c, perConversation: n } = opts;
  const metrics: Metric[] = [];
  const notes: string[] = [
    `${c} conversations x ${n} messages = ${c * n}; reply consumer concurrency 16 in both; bare Worker A concurrency = brain.concurrency`,
    'bulk: all enqueued at once (addBulk in chunks of 1000, round-robin), time to the last reply of every conversation; closed: next message on previous reply',
  ];
  for (const [k, concurrency] of opts.concurrency.entries()) {
    const suffix = k === 0 ? '' : `_c${concurrency}`;
    const label = k === 0 ? `(concurrency ${concurrency}, default)` : `(concurrency ${concurrency})`;
    // The closed loop (every message its own turn) is the slow one: run it at the default concurrency only.
    for (const mode of k === 0 ? (['bulk', 'closed'] as const) : (['bulk'] as const)) {
      say(`throughput: ${mode}, concurrency ${concurrency}: bare BullMQ`);
      const bare = await startBarePipe({ concurrency });
      const b = await drive(bare, c, n, mode).finally(() => bare.close());
      say(`throughput: ${mode}, concurrency ${concurrency}: bare ${b.perSecond.toFixed(0)}/s; helix`);
      let helix: HelixPipe | undefined;
      try {
        helix = await startHelixPipe({ concurrency, logLevel: opts.brainLog });
        const h = await drive(helix, c, n, mode);
        const failures = await helix.failures();
        const stages = await helix.stageMeansMs();
        say(`throughput: ${mode}, concurrency ${concurrency}: helix ${h.perSecond.toFixed(0)}/s in ${h.seconds.toFixed(1)} s, ${h.replies} replies`);
        const what = mode === 'bulk' ? 'messages/s' : 'turns/s';
        metrics.push(
          check(`helix_${mode}_per_s${suffix}`, `helix ${mode} ${label}`, h.perSecond, what, '>=', 1_000),
          info(`bare_${mode}_per_s${suffix}`, `bare BullMQ ${mode} ${label}`, b.perSecond, what),
          info(`ratio_${mode}${suffix}`, `ratio ${mode} bare / helix ${label}`, b.perSecond / h.perSecond, 'x'),
          info(`helix_${mode}_replies${suffix}`, `helix ${mode} replies (turns) ${label}`, h.replies),
          ...(mode === 'bulk' ? [info(`helix_bulk_turns_per_s${suffix}`, `helix bulk turns/s ${label}`, h.turnsPerSecond, 'turns/s')] : []),
          info(`helix_${mode}_seconds${suffix}`, `helix ${mode} wall time ${label}`, h.seconds, 's'),
          info(`helix_${mode}_problems${suffix}`, `helix ${mode} out-of-order + failed + dead letters`, h.outOfOrder + failures.deadLetters + Object.values(failures.failedJobs).reduce((a, x) => a + x, 0)),
        );
        notes.push(`helix ${mode} c=${concurrency}: ${h.messages} messages → ${h.replies} replies in ${h.seconds.toFixed(2)} s; bare ${b.seconds.toFixed(2)} s; stage means (ms): ${Object.entries(stages).map(([s, v]) => `${s} ${v.toFixed(2)}`).join(', ')}`);
      } finally {
        await helix?.close();
      }
    }
  }
  // Diagnostic: the closed loop again with the database stubbed out, to show the mesh's own ceiling.
  const concurrency = opts.concurrency[0]!;
  say(`throughput: closed, concurrency ${concurrency}: helix with the store stubbed (diagnostic)`);
  const nullStore = await startHelixPipe({ concurrency, logLevel: opts.brainLog, store: 'null' });
  try {
    const d = await drive(nullStore, c, n, 'closed');
    metrics.push(info('nostore_closed_per_s', `diagnostic: helix closed, store stubbed (concurrency ${concurrency})`, d.perSecond, 'turns/s'));
  } finally {
    await nullStore.close();
  }
  return { metrics, notes };
}
