// 5. Resident memory of npm start on embedded defaults: VmRSS of the supervisor, every role and the private
// redis-server, idle and after N messages through the console's HTTP API (all answered), per process and summed.
import { Redis } from 'ioredis';
import type { BenchOptions } from './args.ts';
import { metricSum, postMessage, scrape } from './console-client.ts';
import { npmStart, type StartedHelix } from './npm-start.ts';
import { commandLine, memoryKb, processTree } from './proc.ts';
import { say } from './progress.ts';
import { check, info, type Metric } from './report.ts';

const SETTLE_MS = 3_000;
/** After the burst: long enough for every role's idle heap trim (mesh/observe/heap-trim.ts: one quiet 5 s sample). */
const SETTLE_AFTER_MS = 15_000;
const POSTS_IN_FLIGHT = 32;
const ANSWER_TIMEOUT_MS = 240_000;

interface Proc {
  pid: number;
  name: string;
  rssMb: number;
  hwmMb: number;
}

/** Names a process of the tree by what it runs. */
function roleOf(cmd: string, rolePids: ReadonlyMap<string, number>, pid: number): string {
  for (const [name, p] of rolePids) if (p === pid) return name;
  if (cmd.includes('scripts/start.mjs')) return 'start.mjs';
  if (cmd.includes('supervisor/main.ts')) return 'supervisor';
  if (cmd.includes('redis-server')) return 'redis-server';
  return cmd.slice(0, 60);
}

/** Every process under start.mjs with its memory. */
function snapshot(h: StartedHelix): Proc[] {
  const out: Proc[] = [];
  for (const pid of processTree(h.child.pid!)) {
    const mem = memoryKb(pid);
    if (!mem) continue;
    out.push({ pid, name: roleOf(commandLine(pid), h.rolePids, pid), rssMb: mem.rss / 1_024, hwmMb: mem.hwm / 1_024 });
  }
  return out;
}

/** The sum the targets are about: supervisor + roles + redis-server (the start.mjs wrapper apart). */
const counted = (procs: readonly Proc[]) => procs.filter((p) => p.name !== 'start.mjs');
const total = (procs: readonly Proc[], f: (p: Proc) => number = (p) => p.rssMb) => procs.reduce((s, p) => s + f(p), 0);

export async function benchMemory(opts: BenchOptions): Promise<{ metrics: Metric[]; notes: string[] }> {
  say('memory: npm start');
  // quietMs 0 so nearly every message is its own turn (the heavier case); everything else is the default.
  const h = await npmStart({ env: { HELIX_BRAIN__BURST__QUIET_MS: '0' } });
  try {
    await h.waitUp();
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const justUp = snapshot(h);
    await new Promise((r) => setTimeout(r, SETTLE_AFTER_MS - SETTLE_MS));
    const idle = snapshot(h);
    const idleHeap = await heaps(h);
    const redisPid = await privateRedisPid(h.ports.redis);
    say(`memory: idle ${total(counted(idle)).toFixed(0)} MB (${idle.map((p) => `${p.name} ${p.rssMb.toFixed(0)}`).join(', ')}); pushing ${opts.memoryMessages} messages over ${opts.sessions} sessions`);

    // Push: POSTs round-robin over the sessions, a fixed number in flight.
    const t0 = performance.now();
    const statuses = new Map<number, number>();
    let next = 0;
    const worker = async () => {
      while (next < opts.memoryMessages) {
        const i = next++;
        const status = await postMessage(h.ports.web, `benchsession${String(i % opts.sessions).padStart(4, '0')}`, `hello ${i}`).catch(() => 0);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: POSTS_IN_FLIGHT }, worker));
    const postSeconds = (performance.now() - t0) / 1_000;
    const accepted = statuses.get(202) ?? 0;

    // Done when the brain has answered every accepted message and the console has delivered every reply.
    let answered = 0;
    let turns = 0;
    let delivered = 0;
    const deadline = Date.now() + ANSWER_TIMEOUT_MS;
    for (;;) {
      const [brain, web] = await Promise.all([scrape(h.ports.brain), scrape(h.ports.web)]);
      answered = metricSum(brain, 'helix_turn_messages_sum', { platform: 'web' });
      turns = metricSum(brain, 'helix_turns_total', { outcome: 'answered' });
      delivered = metricSum(web, 'helix_web_replies_delivered_total', { kind: 'final' });
      if (answered >= accepted && delivered >= turns) break;
      if (Date.now() > deadline) throw new Error(`after ${ANSWER_TIMEOUT_MS} ms: ${answered}/${accepted} messages answered, ${delivered}/${turns} replies delivered`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const allSeconds = (performance.now() - t0) / 1_000;
    const busy = snapshot(h);
    await new Promise((r) => setTimeout(r, SETTLE_AFTER_MS));
    const after = snapshot(h);
    const afterHeap = await heaps(h);
    say(`memory: ${accepted} accepted in ${postSeconds.toFixed(1)} s, all answered after ${allSeconds.toFixed(1)} s; ${total(counted(busy)).toFixed(0)} MB right after, ${total(counted(after)).toFixed(0)} MB ${SETTLE_AFTER_MS / 1_000} s later`);
    const stopped = await h.stop();

    const perProcess = (label: string, procs: readonly Proc[]) => procs.map((p) => info(`${label}_${p.name.replace(/\W+/g, '_')}_mb`, `${label}: ${p.name} (pid ${p.pid})`, p.rssMb, 'MB'));
    return {
      metrics: [
        check('idle_mb', `idle ${SETTLE_AFTER_MS / 1_000} s after up, supervisor + roles + redis`, total(counted(idle)), 'MB', '<=', 400),
        info('just_up_mb', `${SETTLE_MS / 1_000} s after up`, total(counted(justUp)), 'MB'),
        check('after_mb', `after ${accepted} messages, settled ${SETTLE_AFTER_MS / 1_000} s`, total(counted(after)), 'MB', '<=', 500),
        info('after_busy_mb', 'right after the last reply', total(counted(busy)), 'MB'),
        info('after_peak_mb', 'peak (sum of VmHWM)', total(counted(after), (p) => p.hwmMb), 'MB'),
        info('idle_with_wrapper_mb', 'idle incl. start.mjs wrapper', total(idle), 'MB'),
        info('after_with_wrapper_mb', 'after incl. start.mjs wrapper', total(after), 'MB'),
        ...perProcess('idle', idle),
        ...perProcess('after', after),
        info('accepted', 'messages accepted (202)', accepted),
        info('turns', 'turns answered (helix_turns_total)', turns),
        info('console_msgs_per_s', 'console end to end (POST → all answered)', accepted / allSeconds, 'msg/s'),
        info('post_per_s', `POST rate (${POSTS_IN_FLIGHT} in flight)`, accepted / postSeconds, 'req/s'),
        info('leftovers', 'processes left after SIGTERM', stopped.leftovers.length),
        info('stop_s', 'SIGTERM → exit', stopped.seconds, 's'),
      ],
      notes: [
        `npm start on defaults except ports/dirs (temp), empty models dir, burst quietMs 0; language model: ${h.provider ?? '?'}; idle taken ${SETTLE_AFTER_MS / 1_000} s after "Helix is up"`,
        `V8 heap used/total/external (MB) from each role's /metrics, idle → after: ${Object.keys(idleHeap).map((r) => `${r} ${idleHeap[r]} → ${afterHeap[r]}`).join('; ')}`,
        `private redis-server pid from INFO server: ${redisPid ?? '?'} (${idle.some((p) => p.pid === redisPid) ? 'found in the tree' : 'NOT in the tree'}); HTTP statuses: ${[...statuses].map(([s, n]) => `${s}×${n}`).join(', ')}`,
        ...(stopped.leftovers.length ? [`LEFT RUNNING after stop, killed: ${stopped.leftovers.join('; ')}`] : ['after SIGTERM every process of the tree was gone']),
      ],
    };
  } finally {
    await h.stop();
  }
}

/** "heap used/total/external" in MB per Node role, from the prom-client default metrics. */
async function heaps(h: StartedHelix): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [role, port] of [['supervisor', h.ports.supervisor], ['brain', h.ports.brain], ['web', h.ports.web]] as const) {
    try {
      const text = await scrape(port);
      const mb = (name: string) => (metricSum(text, name) / 2 ** 20).toFixed(0);
      out[role] = `${mb('helix_nodejs_heap_size_used_bytes')}/${mb('helix_nodejs_heap_size_total_bytes')}/${mb('helix_nodejs_external_memory_bytes')}`;
    } catch {
      out[role] = '?';
    }
  }
  return out;
}

async function privateRedisPid(port: number): Promise<number | undefined> {
  const redis = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => {});
  try {
    await redis.connect();
    const m = /process_id:(\d+)/.exec(await redis.info('server'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}
