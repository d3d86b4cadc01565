// The web console process: `npm run web`. Wiring only: config, logger, the bot; ordered shutdown on signals.
import { ConfigError, DEFAULT_REDIS_URL, loadConfig } from '../../config/index.ts';
import { createLogger } from '../../mesh/index.ts';
import { startWebBot } from './web-bot.ts';

let loaded;
try {
  loaded = loadConfig({ env: process.env, cwd: process.cwd() });
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
}
const { config } = loaded;
const log = createLogger('web', config.log.level);
process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));

const bot = await startWebBot({ config, redisUrl: config.redis.url ?? DEFAULT_REDIS_URL, log });

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    setTimeout(() => process.exit(1), 15_000).unref();
    bot.close().then(() => process.exit(0), () => process.exit(1));
  });
}
