import { resolve } from 'node:path';
import { Hono } from 'hono';
import type { HelixConfig } from '../config/index.ts';
import { healthRoutes, listen, type RunningServer } from '../mesh/observe/health-server.ts';
import type { Logger } from '../mesh/observe/log.ts';
import { Counter, Gauge, createProcessMetrics } from '../mesh/observe/metrics.ts';
import { chooseRedis, type RedisChoice } from './redis-choice.ts';
import { RoleProcess } from './role-process.ts';
import { ROLES, ROLE_NODE_FLAGS, consoleUrl, type RoleDefinition } from './roles.ts';

export interface SupervisorOptions {
  config: HelixConfig;
  /** Repository root the role entries are relative to. */
  root: string;
  /** Environment the roles inherit. */
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** Roles to run. @defaultValue every enabled role of {@link ROLES} */
  roles?: readonly RoleDefinition[];
  /** Called when a role fails for good after start (the caller usually shuts everything down). */
  onRoleFailed?: (role: string, reason: string) => void;
}

export interface RunningSupervisor {
  readonly redis: RedisChoice;
  readonly roles: readonly RoleProcess[];
  readonly consoleUrl: string;
  readonly http: RunningServer;
  /** Resolves once every role answers its /healthz. */
  waitUp(timeoutMs: number): Promise<void>;
  /** Stops roles in reverse start order, then the private Redis. Idempotent. */
  close(): Promise<void>;
}

/** Runs Helix's roles on one machine: Redis chosen (or started), each role a supervised child. */
export async function startSupervisor(opts: SupervisorOptions): Promise<RunningSupervisor> {
  const { config, log } = opts;
  const redis = await chooseRedis(config.redis);
  log.info({ source: redis.source, url: redacted(redis.url) }, 'redis chosen');

  const metrics = createProcessMetrics('supervisor');
  const registers = [metrics.registry];
  const restarts = new Counter({ name: 'helix_supervisor_restarts_total', help: 'Role restarts after a crash.', labelNames: ['name'], registers });
  const env = { ...opts.env, REDIS_URL: redis.url, HELIX_REDIS__URL: redis.url };
  const defs = (opts.roles ?? ROLES).filter((r) => r.enabled(config));
  const roles = defs.map(
    (def) =>
      new RoleProcess({
        name: def.name,
        entry: resolve(opts.root, def.entry),
        healthUrl: def.healthUrl(config),
        env,
        nodeFlags: ROLE_NODE_FLAGS,
        log,
        stopTimeoutMs: config.supervisor.stopTimeoutMs,
        maxRestartDelayMs: config.supervisor.maxRestartDelayMs,
        onRestart: () => restarts.inc({ name: def.name }),
        onFailed: (reason) => opts.onRoleFailed?.(def.name, reason),
      }),
  );
  new Gauge({
    name: 'helix_supervisor_role_up',
    help: '1 when the role answers its health check.',
    labelNames: ['name'],
    registers,
    collect() {
      for (const r of roles) this.set({ name: r.name }, r.state === 'up' ? 1 : 0);
    },
  });

  let closing: Promise<void> | undefined;
  // A private Redis that dies is started again on the same port and dir (its AOF brings the queues back).
  let privateServer = redis.source === 'private' ? redis.server : undefined;
  const watchRedis = async () => {
    while (privateServer && !closing) {
      const code = await privateServer.exited;
      if (closing) return;
      log.error({ code }, 'private redis-server exited; starting it again');
      for (let delay = 500; !closing; delay = Math.min(delay * 2, 10_000)) {
        await new Promise((r) => setTimeout(r, delay));
        if (closing) return;
        try {
          const again = await chooseRedis(config.redis);
          privateServer = again.source === 'private' ? again.server : undefined;
          log.info({ source: again.source }, 'redis back');
          break;
        } catch (err) {
          log.error({ err: (err as Error).message, retry_in_ms: delay * 2 }, 'could not start the private redis-server again');
        }
      }
    }
  };
  void watchRedis();

  for (const role of roles) role.start();

  const app = new Hono();
  app.route('/', healthRoutes({
    registry: metrics.registry,
    checks: Object.fromEntries(roles.map((r) => [r.name, async () => {
      if (r.state !== 'up') throw new Error(`${r.name} is ${r.state}`);
    }])),
  }));
  const http = await listen(app, config.supervisor.host, config.supervisor.port);

  return {
    redis,
    roles,
    consoleUrl: consoleUrl(config),
    http,
    async waitUp(timeoutMs) {
      await Promise.all(roles.map((r) => r.waitUp(timeoutMs)));
    },
    close() {
      closing ??= (async () => {
        for (const role of [...roles].reverse()) {
          log.info({ name: role.name }, 'stopping role');
          await role.stop();
        }
        await http.close();
        if (privateServer) {
          log.info('stopping private redis-server');
          await privateServer.stop();
        }
        log.info('helix stopped');
      })();
      return closing;
    },
  };
}

/** A Redis URL without its password, for logs. */
export function redacted(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
