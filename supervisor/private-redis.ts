import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';

/** A redis-server the supervisor runs for Helix alone: its own port and dir, AOF on (everysec). */
export interface PrivateRedisProcess {
  readonly url: string;
  readonly pid: number | undefined;
  /** Resolves with the exit code if the server dies. */
  readonly exited: Promise<number | null>;
  /** SHUTDOWN (flushes the AOF), then SIGKILL if it does not exit in time. Idempotent. */
  stop(timeoutMs?: number): Promise<void>;
}

/** Answers whether something speaking Redis answers PING at `url` within `timeoutMs`. */
export async function redisAnswers(url: string, timeoutMs = 1_000): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs, enableOfflineQueue: false });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/** Starts `redisServer` on 127.0.0.1:`port` with its data in `dir`, and waits until it has loaded its AOF. */
export async function startPrivateRedisServer(redisServer: string, port: number, dir: string, timeoutMs = 15_000): Promise<PrivateRedisProcess> {
  const absDir = resolve(dir);
  mkdirSync(absDir, { recursive: true });
  const url = `redis://127.0.0.1:${port}`;
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', absDir,
    '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '',
    // Queues must never lose keys to eviction (BullMQ's own requirement).
    '--maxmemory-policy', 'noeviction',
    '--logfile', 'redis.log', '--daemonize', 'no',
  ];
  // Own process group: a terminal's Ctrl-C must not stop Redis before the roles that use it.
  const child: ChildProcess = spawn(redisServer, args, { stdio: 'ignore', detached: true });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode} on port ${port}; see ${absDir}/redis.log (is the port taken?)`);
    const loaded = await Promise.race([loadedAt(url), spawnError]);
    if (loaded) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server on port ${port} did not come up within ${timeoutMs} ms; see ${absDir}/redis.log`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  let stopping: Promise<void> | undefined;
  return {
    url,
    pid: child.pid,
    exited,
    stop(stopTimeoutMs = 10_000) {
      stopping ??= (async () => {
        if (child.exitCode !== null) return;
        const admin = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
        admin.on('error', () => {});
        await admin.call('SHUTDOWN').catch(() => undefined);
        admin.disconnect();
        const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

async function loadedAt(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return /loading:0/.test(await probe.info('persistence'));
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}
