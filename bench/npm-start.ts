// `npm start` as a child of the bench: scripts/start.mjs with every port on a free port and every data dir in
// a temp dir (as tests/e2e/npm-start.test.ts does), its role pids read from the supervisor's JSON log.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { freePort } from '../tests/helpers/private-redis.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive, commandLine, processTree } from './proc.ts';

const ROOT = join(import.meta.dirname, '..');

export interface HelixPorts {
  web: number;
  brain: number;
  supervisor: number;
  redis: number;
}

export interface StartedHelix {
  readonly child: ChildProcess;
  readonly dir: string;
  readonly ports: HelixPorts;
  /** performance.now() at spawn. */
  readonly spawnedAt: number;
  /** performance.now() when "Helix is up" appeared on stderr. */
  readonly upAt: number | undefined;
  /** Latest child pid per role, from the supervisor's `role starting` lines. */
  readonly rolePids: ReadonlyMap<string, number>;
  /** The brain's language model line (`provider` field), once logged. */
  readonly provider: string | undefined;
  /** performance.now() when milestone lines were first seen, keyed `<role>:<msg>` (see {@link MILESTONES}). */
  readonly milestones: ReadonlyMap<string, number>;
  stderr(): string;
  waitUp(timeoutMs?: number): Promise<void>;
  /** SIGTERM to start.mjs, wait for it to exit, then check every process it had is gone (left ones are killed and listed). */
  stop(opts?: { keepDir?: boolean }): Promise<{ code: number | null; seconds: number; leftovers: string[] }>;
}

const running = new Set<StartedHelix>();

/** Log lines whose first appearance is timed (where start-up time goes). */
export const MILESTONES = ['redis chosen', 'role starting', 'embedded database created and migrated', 'migration applied', 'brain started', 'web console listening', 'role up'];

export { freePort };

/** A new temp dir for one Helix's data (PGlite, Redis AOF, an empty models dir). */
export function newDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'helix-bench-'));
}

/** Spawns `node scripts/start.mjs` with its data in `dir` (a new temp dir when unset) and fresh ports. */
export async function npmStart(opts: { dir?: string; env?: Record<string, string> } = {}): Promise<StartedHelix> {
  const dir = opts.dir ?? newDataDir();
  mkdirSync(join(dir, 'models'), { recursive: true });
  const ports: HelixPorts = { web: await freePort(), brain: await freePort(), supervisor: await freePort(), redis: await freePort() };
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HELIX_') && k !== 'REDIS_URL'));
  Object.assign(env, {
    HELIX_WEB__PORT: String(ports.web),
    HELIX_BRAIN__PORT: String(ports.brain),
    HELIX_SUPERVISOR__PORT: String(ports.supervisor),
    HELIX_REDIS__EMBEDDED__PORT: String(ports.redis),
    HELIX_REDIS__EMBEDDED__DIR: join(dir, 'redis'),
    HELIX_STORE__DATA_DIR: join(dir, 'pglite'),
    // An empty models dir: a .gguf someone left in ./models must not change what is measured.
    HELIX_LLM__LOCAL__MODELS_DIR: join(dir, 'models'),
    ...opts.env,
  });
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'scripts', 'start.mjs')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const rolePids = new Map<string, number>();
  const milestones = new Map<string, number>();
  let provider: string | undefined;
  let upAt: number | undefined;
  let err = '';
  let partial = '';
  child.stdout!.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      // Thousands of lines per second under load: parse only the few this driver needs.
      if (!MILESTONES.some((m) => line.includes(`"${m}"`)) && !line.includes('language model')) continue;
      const at = performance.now();
      try {
        const l = JSON.parse(line) as { msg?: string; role?: string; name?: string; child_pid?: number; provider?: string };
        const key = `${l.role}${l.name ? `/${l.name}` : ''}:${l.msg}`;
        if (l.msg && MILESTONES.includes(l.msg) && !milestones.has(key)) milestones.set(key, at);
        if (l.msg === 'role starting' && l.name && l.child_pid) rolePids.set(l.name, l.child_pid);
        else if (l.provider) provider = l.provider;
      } catch {
        // not JSON
      }
    }
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    if (upAt === undefined && err.includes('Helix is up')) upAt = performance.now();
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

  let stopping: ReturnType<StartedHelix['stop']> | undefined;
  const started: StartedHelix = {
    child,
    dir,
    ports,
    spawnedAt,
    get upAt() {
      return upAt;
    },
    rolePids,
    milestones,
    get provider() {
      return provider;
    },
    stderr: () => err,
    async waitUp(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (upAt === undefined) {
        if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}: ${err.trim().slice(-500)}`);
        if (Date.now() > deadline) throw new Error(`"Helix is up" not seen within ${timeoutMs} ms: ${err.trim().slice(-500)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    stop(stopOpts = {}) {
      stopping ??= (async () => {
        const before = child.pid ? processTree(child.pid).map((pid) => ({ pid, cmd: commandLine(pid) })) : [];
        const t0 = performance.now();
        if (child.exitCode === null) child.kill('SIGTERM');
        const code = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), 45_000))]);
        const seconds = (performance.now() - t0) / 1_000;
        // Give detached children a moment, then anything still alive is a leftover: listed, then killed (we started it).
        const deadline = Date.now() + 5_000;
        let left = before.filter((p) => alive(p.pid));
        while (left.length && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 100));
          left = before.filter((p) => alive(p.pid));
        }
        for (const p of left) process.kill(p.pid, 'SIGKILL');
        running.delete(started);
        if (!stopOpts.keepDir) rmSync(dir, { recursive: true, force: true });
        return { code, seconds, leftovers: left.map((p) => `${p.pid} ${p.cmd}`) };
      })();
      return stopping;
    },
  };
  running.add(started);
  return started;
}

/** Stops every Helix this process started and has not stopped (on Ctrl-C, or after a failed measurement). */
export async function stopAllStarted(): Promise<void> {
  await Promise.allSettled([...running].map((s) => s.stop()));
}
