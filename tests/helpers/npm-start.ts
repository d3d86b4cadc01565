// `npm start` driven as a newcomer runs it (scripts/start.mjs on a given node), with ports and data dirs from the
// environment so tests never touch the defaults; shared by the npm-start e2e files.
import { type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { spawnJsonProcess } from './json-process.ts';
import { freePort } from './private-redis.ts';
import { openSse } from './sse-client.ts';

export const ROOT = join(import.meta.dirname, '..', '..');
/** Cleanups of what a test started; each test file runs {@link runCleanups} after each test. */
export const cleanups: Array<() => Promise<unknown> | void> = [];
export async function runCleanups(): Promise<void> {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => undefined);
}

export interface Started {
  child: ChildProcess;
  stdout: Array<Record<string, unknown>>;
  stderr: () => string;
  exit: Promise<number | null>;
  ports: { web: number; brain: number; supervisor: number; redis: number };
}

export async function npmStart(extraEnv: Record<string, string> = {}, opts: { root?: string; node?: string } = {}): Promise<Started> {
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

export const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(true));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(false)));
  });
}

export async function talk(webPort: number, text: string): Promise<string> {
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

export const childPid = (s: Started, name: string) =>
  s.stdout.filter((l) => l.msg === 'role starting' && l.name === name).map((l) => l.child_pid as number).at(-1)!;
