// RoleProcess with real child processes: tiny scripts that crash, fail on config, or ignore SIGTERM.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { createLogger } from '../../../mesh/index.ts';
import { RoleProcess } from '../../../supervisor/role-process.ts';
import { eventually } from '../../helpers/mesh-harness.ts';
import { freePort } from '../../helpers/private-redis.ts';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => undefined);
});

function script(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'helix-role-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'role.mjs');
  writeFileSync(file, body);
  return file;
}

function role(entry: string, patch: Partial<ConstructorParameters<typeof RoleProcess>[0]> = {}) {
  const r = new RoleProcess({
    name: 'test-role', entry, healthUrl: undefined, env: process.env, log: createLogger('supervisor', 'silent'),
    stopTimeoutMs: 2_000, maxRestartDelayMs: 400, minRestartDelayMs: 50, ...patch,
  });
  cleanups.push(() => r.stop());
  return r;
}

describe('supervised role process', () => {
  test('GIVEN a role that keeps crashing THEN it is restarted with growing delays capped at maxRestartDelayMs', async () => {
    const starts: number[] = [];
    const r = role(script('setTimeout(() => process.exit(1), 10);'), { onRestart: () => starts.push(Date.now()) });
    r.start();
    await eventually(() => starts.length >= 5, 10_000, 'five restarts');
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    // Each gap is the restart delay (50 ms doubling: 100, 200, 400, then capped at 400) plus the crashing
    // process's own start time, which varies with load; so each gap is at least its delay, and the capped one bounded.
    const delays = [100, 200, 400, 400];
    delays.forEach((d, i) => expect(gaps[i]!).toBeGreaterThanOrEqual(d - 5));
    expect(gaps[3]!).toBeLessThan(400 + 1_500);
    expect(r.restarts).toBeGreaterThanOrEqual(5);
    await r.stop();
    const after = r.restarts;
    await new Promise((res) => setTimeout(res, 600));
    expect(r.restarts).toBe(after);
  });

  test('GIVEN a role that exits with the config code THEN it is not restarted and the failure is reported', async () => {
    const failures: string[] = [];
    const r = role(script('process.exit(78);'), { onFailed: (why) => failures.push(why), healthUrl: 'http://127.0.0.1:9/healthz' });
    r.start();
    await expect(r.waitUp(5_000)).rejects.toThrow(/configuration error/);
    expect(r.state).toBe('failed');
    await new Promise((res) => setTimeout(res, 300));
    expect(r.restarts).toBe(0);
    expect(failures).toHaveLength(1);
  });

  test('GIVEN a role that ignores SIGTERM THEN stop() kills it after stopTimeoutMs', async () => {
    // It answers its health check only once its SIGTERM handler is installed, so "up" means "ignoring SIGTERM".
    const port = await freePort();
    const entry = script(`process.on('SIGTERM', () => {}); (await import('node:http')).createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1');`);
    const r = role(entry, { stopTimeoutMs: 300, healthUrl: `http://127.0.0.1:${port}/healthz` });
    r.start();
    await r.waitUp(10_000);
    const pid = r.pid!;
    const t = Date.now();
    await r.stop();
    expect(Date.now() - t).toBeGreaterThanOrEqual(250);
    expect(() => process.kill(pid, 0)).toThrow();
    expect(r.state).toBe('stopped');
  });

  test('GIVEN the supervisor is killed -9 THEN its roles notice the closed IPC lifeline and shut down', async () => {
    const lifecycle = join(import.meta.dirname, '..', '..', '..', 'mesh', 'lifecycle.ts');
    const roleProcess = join(import.meta.dirname, '..', '..', '..', 'supervisor', 'role-process.ts');
    const mesh = join(import.meta.dirname, '..', '..', '..', 'mesh', 'index.ts');
    const roleEntry = script(`
      import { exitOnShutdown } from ${JSON.stringify(lifecycle)};
      import { createLogger } from ${JSON.stringify(mesh)};
      exitOnShutdown(createLogger('brain', 'silent'), async () => {});
      setInterval(() => {}, 1000);
    `);
    const supervisorEntry = script(`
      import { RoleProcess } from ${JSON.stringify(roleProcess)};
      import { createLogger } from ${JSON.stringify(mesh)};
      const r = new RoleProcess({ name: 'brain', entry: ${JSON.stringify(roleEntry)}, healthUrl: undefined, env: process.env,
        log: createLogger('supervisor', 'silent'), stopTimeoutMs: 1000, maxRestartDelayMs: 1000 });
      r.start();
      await r.waitUp(5000);
      console.log(String(r.pid));
      setInterval(() => {}, 1000);
    `);
    const { spawn } = await import('node:child_process');
    const sup = spawn(process.execPath, [supervisorEntry], { stdio: ['ignore', 'pipe', 'inherit'] });
    cleanups.push(() => void sup.kill('SIGKILL'));
    const rolePid = await new Promise<number>((resolve) => sup.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
    expect(process.kill(rolePid, 0)).toBe(true);
    sup.kill('SIGKILL');
    await eventually(() => {
      try {
        process.kill(rolePid, 0);
        return false;
      } catch {
        return true;
      }
    }, 10_000, 'the orphaned role to exit');
  });
});
