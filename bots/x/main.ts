// The X bot process: `npm run x`. Wiring only: config, logger, the bot; ordered shutdown on signals.
import { DEFAULT_REDIS_URL, loadConfigOrExit } from '../../config/index.ts';
import { EXIT_CONFIG, createLogger, exitOnShutdown, exitOnStartupError, trimHeapWhenIdle } from '../../mesh/index.ts';
import { MISSING_CREDENTIALS, hasXCredentials } from './x-client.ts';
import { startXBot } from './x-bot.ts';
import { statusOf } from './x-errors.ts';

const { config } = loadConfigOrExit(EXIT_CONFIG);
const log = createLogger('x', config.log.level);
trimHeapWhenIdle(log);
process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));

if (!hasXCredentials(config.x)) {
  log.fatal(MISSING_CREDENTIALS);
  process.exit(EXIT_CONFIG);
}

try {
  const bot = await startXBot({ config, redisUrl: config.redis.url ?? DEFAULT_REDIS_URL, log });
  exitOnShutdown(log, () => bot.close());
} catch (err) {
  const status = statusOf(err);
  if (status === 401 || status === 403) {
    log.fatal({ status }, 'X refused the credentials: check x.appKey, x.appSecret, x.accessToken and x.accessSecret (see README, "Connecting X").');
    process.exit(EXIT_CONFIG);
  }
  exitOnStartupError(log, err);
}
