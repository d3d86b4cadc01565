// `npm run bench`: Helix against a bare baseline, from one run. Progress on stderr; the table and one
// JSON line (for comparing runs: `npm run bench | tail -1 | jq`) on stdout. Wiring only.
import { execFileSync } from 'node:child_process';
import { availableParallelism, loadavg, totalmem } from 'node:os';
import { BENCHES, parseArgs, type BenchName, type BenchOptions } from './args.ts';
import { benchBurst } from './burst.ts';
import { closeAllOpen } from './cleanup.ts';
import { benchDiscord } from './discord.ts';
import { benchGitHub } from './github.ts';
import { benchMemory } from './memory.ts';
import { benchOps } from './ops.ts';
import { stopAllStarted } from './npm-start.ts';
import { say } from './progress.ts';
import { dropAllPrefixes } from './redis-keys.ts';
import { benchPromptSize } from './prompt-size.ts';
import { benchRecall } from './recall.ts';
import { renderTable, toJson, type Metric, type Section } from './report.ts';
import { benchRoundTrip } from './roundtrip.ts';
import { benchSlack } from './slack.ts';
import { benchStartup } from './startup.ts';
import { benchThroughput } from './throughput.ts';
import { benchVoice } from './voice.ts';
import { benchVoiceE2e } from './voice-e2e.ts';

type Runner = (opts: BenchOptions) => Promise<{ metrics: Metric[]; notes: string[] }>;

const RUNNERS: Record<BenchName, { title: string; run: Runner }> = {
  prompt: { title: '4. Prompt size for "hi" (default persona, web, empty history)', run: benchPromptSize },
  roundtrip: { title: '1. Round trip latency, one turn at a time', run: benchRoundTrip },
  throughput: { title: '2. Sustained throughput', run: benchThroughput },
  burst: { title: '3. Ten messages at once to one conversation (quietMs 1500)', run: benchBurst },
  startup: { title: '6. npm start → first reply on the console', run: benchStartup },
  memory: { title: '5. Resident memory of npm start (all processes)', run: benchMemory },
  discord: { title: "7. Discord layer's own overhead: MESSAGE_CREATE → reply POST, against the mesh round trip", run: benchDiscord },
  slack: { title: "8. Slack layer's own overhead: signed event POST → chat.postMessage, against the mesh round trip", run: benchSlack },
  github: { title: "9. GitHub layer's own overhead: signed issue_comment webhook → issue comment, against the mesh round trip", run: benchGitHub },
  voice: { title: '10. Voice: receive CPU per speaker, local speech-to-text and text-to-speech real-time factor', run: benchVoice },
  recall: { title: '11. Memory recall: hybrid latency at N memories, HNSW vs exact, current-fact recall over months of dialogue', run: benchRecall },
  ops: { title: '12. Ops: alert webhook → incident message on Discord, and a 1,000-alert storm across 50 groups', run: benchOps },
  'voice-e2e': { title: '13. Voice end to end: end of speech → first reply audio packet, and the pipeline\'s own overhead (local engines, instant model)', run: benchVoiceE2e },
};

let opts: BenchOptions;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`${signal}: stopping what the bench started`);
    void Promise.allSettled([stopAllStarted(), closeAllOpen()])
      .then(() => dropAllPrefixes())
      .finally(() => process.exit(130));
  });
}

const startedAt = new Date();
const load = loadavg();
const sections: Section[] = [];
for (const id of BENCHES.filter((b) => opts.only.includes(b))) {
  const { title, run } = RUNNERS[id];
  say(`${id}: start`);
  const t0 = performance.now();
  try {
    const { metrics, notes } = await run(opts);
    sections.push({ id, title, metrics, notes, seconds: (performance.now() - t0) / 1_000 });
  } catch (err) {
    say(`${id}: failed: ${(err as Error).stack ?? String(err)}`);
    sections.push({ id, title, metrics: [], notes: [], error: (err as Error).message, seconds: (performance.now() - t0) / 1_000 });
  }
  say(`${id}: done in ${((performance.now() - t0) / 1_000).toFixed(1)} s`);
}
await Promise.allSettled([stopAllStarted(), dropAllPrefixes()]);

const meta = {
  bench: 'helix',
  v: 1,
  at: startedAt.toISOString(),
  git: git(),
  node: process.version,
  cpus: availableParallelism(),
  memGiB: Math.round(totalmem() / 2 ** 30),
  loadavg1mAtStart: Math.round(load[0]! * 100) / 100,
  options: opts,
  seconds: Math.round(performance.now() / 100) / 10,
};
process.stdout.write(`${renderTable(sections)}\n\n`);
process.stdout.write(`${JSON.stringify(toJson(sections, meta))}\n`);
process.exit(sections.some((s) => s.error) ? 1 : 0);

function git(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${sha}+dirty` : sha;
  } catch {
    return 'unknown';
  }
}
