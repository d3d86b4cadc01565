// The web console process: `npm run web`. Wiring only: config, logger, the bot; ordered shutdown on signals.
import { ConfigError, DEFAULT_REDIS_URL, loadConfig } from '../../config/index.ts';
import { EXIT_CONFIG, createLogger, exitOnShutdown, exitOnStartupError } from '../../mesh/index.ts';
import { startWebBot } from './web-bot.ts';

let loaded;
try {
  loaded = loadConfig({ env: process.env, cwd: process.cwd() });
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(err instanceof ConfigError ? EXIT_CONFIG : 1);
}
const { config } = loaded;
const log = createLogger('web', config.log.level);
process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));

try {
  const bot = await startWebBot({ config, redisUrl: config.redis.url ?? DEFAULT_REDIS_URL, log });
  exitOnShutdown(log, () => bot.close());
} catch (err) {
  exitOnStartupError(log, err);
}
