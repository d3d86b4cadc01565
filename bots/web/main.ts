// The web console process: `npm run web`. Wiring only: config, logger, the bot; ordered shutdown on signals.
import { DEFAULT_REDIS_URL, loadConfigOrExit } from '../../config/index.ts';
import { EXIT_CONFIG, createLogger, exitOnShutdown, exitOnStartupError, trimHeapWhenIdle } from '../../mesh/index.ts';
import { startWebBot } from './web-bot.ts';

const { config } = loadConfigOrExit(EXIT_CONFIG);
const log = createLogger('web', config.log.level);
trimHeapWhenIdle(log);
process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));

try {
  const bot = await startWebBot({ config, redisUrl: config.redis.url ?? DEFAULT_REDIS_URL, log });
  exitOnShutdown(log, () => bot.close());
} catch (err) {
  exitOnStartupError(log, err);
}
