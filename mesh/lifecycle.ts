import type { Logger } from './observe/log.ts';

/** Exit code of a role whose configuration is wrong (EX_CONFIG): the supervisor does not restart it. */
export const EXIT_CONFIG = 78;

/**
 * Runs `close` once on SIGTERM, SIGINT or when the supervisor's IPC lifeline closes (the supervisor
 * died), then exits 0; exits 1 if closing fails or takes longer than `forceAfterMs`.
 */
export function exitOnShutdown(log: Logger, close: () => Promise<void>, forceAfterMs = 15_000): void {
  let stopping = false;
  const stop = (why: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ why }, 'shutting down');
    setTimeout(() => process.exit(1), forceAfterMs).unref();
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  if (process.send) process.on('disconnect', () => stop('supervisor gone'));
}

/** Logs why a role could not start and exits: EXIT_CONFIG for what a setting fixes (a taken port), else 1. */
export function exitOnStartupError(log: Logger, err: unknown): never {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
    log.fatal({ code, address: e.address, port: e.port }, `cannot listen on ${e.address ?? ''}:${e.port ?? ''} (${code}): choose another port in the config (see README, Configuration)`);
    process.exit(EXIT_CONFIG);
  }
  log.fatal({ err }, 'could not start');
  process.exit(1);
}
