// 6. Time from `npm start` to the console answering: spawn start.mjs, then keep trying (open the SSE stream,
// POST a message) until the first `final` arrives. Once on a fresh data dir, once reusing it.
import type { BenchOptions } from './args.ts';
import { talkOnce } from './console-client.ts';
import { newDataDir, npmStart, type StartedHelix } from './npm-start.ts';
import { say } from './progress.ts';
import { check, info, type Metric } from './report.ts';

const GIVE_UP_MS = 60_000;

/** Milliseconds from spawn to the first final reply on the console, and how many tries it took. */
async function timeToFirstReply(h: StartedHelix): Promise<{ ms: number; acceptedMs: number; tries: number }> {
  const deadline = performance.now() + GIVE_UP_MS;
  let tries = 0;
  let lastError = '';
  while (performance.now() < deadline) {
    tries += 1;
    try {
      const t = await talkOnce(h.ports.web, 'hi', Math.max(1_000, deadline - performance.now()));
      return { ms: t.finalAt - h.spawnedAt, acceptedMs: t.acceptedAt - h.spawnedAt, tries };
    } catch (err) {
      lastError = (err as Error).message;
      if (h.child.exitCode !== null) throw new Error(`npm start exited (${h.child.exitCode}): ${h.stderr().slice(-400)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`no reply within ${GIVE_UP_MS} ms (last error: ${lastError})`);
}

export async function benchStartup(_opts: BenchOptions): Promise<{ metrics: Metric[]; notes: string[] }> {
  const dir = newDataDir();
  const runs: Array<{ label: string; key: string; reply: number; accepted: number; up: number | undefined; milestones: string; stop: number; tries: number; leftovers: string[]; provider: string | undefined }> = [];
  for (const [label, key] of [['fresh data dir', 'fresh'], ['reused data dir', 'reused']] as const) {
    say(`startup: npm start, ${label}`);
    const h = await npmStart({ dir });
    try {
      const { ms, acceptedMs, tries } = await timeToFirstReply(h);
      const upMs = h.upAt === undefined ? undefined : h.upAt - h.spawnedAt;
      const stopped = await h.stop({ keepDir: key === 'fresh' });
      const milestones = [...h.milestones].sort((a, b) => a[1] - b[1]).map(([k, t]) => `${k} ${((t - h.spawnedAt) / 1_000).toFixed(2)}`).join(', ');
      runs.push({ label, key, reply: ms, accepted: acceptedMs, up: upMs, milestones, stop: stopped.seconds, tries, leftovers: stopped.leftovers, provider: h.provider });
      say(`startup: ${label}: first reply after ${ms.toFixed(0)} ms ("Helix is up" at ${upMs?.toFixed(0)} ms), stopped in ${stopped.seconds.toFixed(1)} s`);
    } finally {
      await h.stop({ keepDir: key === 'fresh' });
    }
  }
  const metrics: Metric[] = [];
  for (const r of runs) {
    metrics.push(
      check(`${r.key}_first_reply_s`, `first reply, ${r.label}`, r.reply / 1_000, 's', '<=', 5),
      info(`${r.key}_up_s`, `"Helix is up" printed, ${r.label}`, (r.up ?? Number.NaN) / 1_000, 's'),
      info(`${r.key}_accepted_s`, `message accepted (202), ${r.label}`, r.accepted / 1_000, 's'),
      info(`${r.key}_stop_s`, `SIGTERM → exit, ${r.label}`, r.stop, 's'),
      info(`${r.key}_leftovers`, `processes left after stop, ${r.label}`, r.leftovers.length),
    );
  }
  return {
    metrics,
    notes: [
      `node scripts/start.mjs (deps installed), defaults (burst quietMs 1500 included in the reply time) except free ports, data dirs under one temp dir, an empty llm.local.modelsDir; language model: ${runs[0]?.provider ?? '?'} (llm.provider auto)`,
      `time = spawn → first SSE \`final\` on a new session (loop: open stream, wait ready, POST "hi"); tries: ${runs.map((r) => `${r.key} ${r.tries}`).join(', ')}`,
      ...runs.map((r) => `${r.label}, log milestones (s after spawn): ${r.milestones}`),
      ...runs.filter((r) => r.leftovers.length).map((r) => `LEFT RUNNING after stop (${r.label}), killed: ${r.leftovers.join('; ')}`),
    ],
  };
}
