// `npm start`: every enabled role on this machine under one supervisor. Wiring only.
import { fileURLToPath } from 'node:url';
import { loadConfigOrExit } from '../config/index.ts';
// Direct imports, not mesh/index.ts: the supervisor stays small (no BullMQ in this process).
import { HelixError } from '../mesh/errors.ts';
import { trimHeapWhenIdle } from '../mesh/observe/heap-trim.ts';
import { createLogger } from '../mesh/observe/log.ts';
import { redacted, startSupervisor } from './supervisor.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
// A bad config stops here, before anything is started (exit 1: nothing supervises the supervisor).
const { config } = loadConfigOrExit(1);
const log = createLogger('supervisor', config.log.level);
trimHeapWhenIdle(log);

let supervisor: Awaited<ReturnType<typeof startSupervisor>>;
try {
  supervisor = await startSupervisor({
    config,
    root,
    env: process.env,
    log,
    onRoleFailed: (role, reason) => {
      console.error(`\nHelix: the ${role} role cannot run: ${reason}. Stopping.\n`);
      void shutdown('role failed', 1);
    },
  });
} catch (err) {
  console.error(`\nHelix could not start: ${err instanceof HelixError || err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}

let stoppingSince = 0;
async function shutdown(why: string, code: number): Promise<void> {
  if (stoppingSince) return;
  stoppingSince = Date.now();
  log.info({ why }, 'shutting down');
  await supervisor.close();
  process.exit(code);
}
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    // The same signal often arrives twice at once (the terminal's process group and `npm start`'s
    // wrapper); only a second one a moment later means "stop waiting".
    if (stoppingSince && Date.now() - stoppingSince > 1_000) {
      log.warn('second signal: killing the roles without waiting');
      for (const r of supervisor.roles) if (r.pid) process.kill(r.pid, 'SIGKILL');
      if (supervisor.redis.source === 'private' && supervisor.redis.server.pid) process.kill(supervisor.redis.server.pid, 'SIGTERM');
      process.exit(1);
    }
    void shutdown(signal, 0);
  });
}

try {
  await supervisor.waitUp(60_000);
  const names = supervisor.roles.map((r) => r.name).join(', ');
  const redisLine =
    supervisor.redis.source === 'private' || supervisor.redis.source === 'private-reused'
      ? `a private redis-server on ${supervisor.redis.url} (data in ${config.redis.embedded.dir})`
      : redacted(supervisor.redis.url);
  process.stderr.write(`\nHelix is up: ${names} (Redis: ${redisLine}).\nOpen ${supervisor.consoleUrl} to talk with Helix. Ctrl-C stops it.\n\n`);
  log.info({ roles: names, console: supervisor.consoleUrl }, 'helix is up');
} catch (err) {
  log.warn({ err: (err as Error).message }, 'not every role is up yet; the supervisor keeps trying');
}
