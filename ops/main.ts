// The ops service process: `npm run ops`. Wiring only: config, logger, store, pagers, then the service; ordered shutdown on signals.
import { DEFAULT_REDIS_URL, loadConfigOrExit } from '../config/index.ts';
import { EXIT_CONFIG, createLogger, exitOnShutdown, exitOnStartupError, trimHeapWhenIdle } from '../mesh/index.ts';
import { openStore } from '../store/index.ts';
import { MISSING_RECEIVER_CREDENTIALS, startOps } from './ops-service.ts';
import { createPagers } from './paging/index.ts';

const { config } = loadConfigOrExit(EXIT_CONFIG);
const log = createLogger('ops', config.log.level);
trimHeapWhenIdle(log);
process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));

if (!config.ops.receiverToken && !config.ops.receiverBasicAuth) {
  log.fatal(MISSING_RECEIVER_CREDENTIALS);
  process.exit(EXIT_CONFIG);
}

try {
  // PGlite allows one process per directory: ops keeps its own unless PostgreSQL is shared.
  const store = await openStore({ ...(config.store.databaseUrl ? { databaseUrl: config.store.databaseUrl } : {}), dataDir: config.ops.dataDir, log });
  const pagers = createPagers(config.paging, log);
  const ops = await startOps({ config, redisUrl: config.redis.url ?? DEFAULT_REDIS_URL, log, store, pagers });
  exitOnShutdown(log, async () => {
    await ops.close();
    await Promise.allSettled(pagers.map((p) => p.close()));
    await store.close();
  });
} catch (err) {
  exitOnStartupError(log, err);
}
