// The Google Chat app process: `npm run gchat`. Wiring only: config, logger, the bot; ordered shutdown on signals.
import { DEFAULT_REDIS_URL, loadConfigOrExit } from '../../config/index.ts';
import { EXIT_CONFIG, createLogger, exitOnShutdown, exitOnStartupError, trimHeapWhenIdle } from '../../mesh/index.ts';
import { MISSING_CREDENTIALS, serviceAccountOf } from './chat-client.ts';
import { startGChatBot } from './gchat-bot.ts';

const { config } = loadConfigOrExit(EXIT_CONFIG);
const log = createLogger('gchat', config.log.level);
trimHeapWhenIdle(log);
process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));

if (!config.gchat.credentials && !(config.gchat.clientEmail && config.gchat.privateKey)) {
  log.fatal(MISSING_CREDENTIALS);
  process.exit(EXIT_CONFIG);
}
try {
  serviceAccountOf(config.gchat);
} catch (err) {
  // The message names the key, never its value.
  log.fatal((err as Error).message);
  process.exit(EXIT_CONFIG);
}

try {
  const bot = await startGChatBot({ config, redisUrl: config.redis.url ?? DEFAULT_REDIS_URL, log });
  exitOnShutdown(log, () => bot.close());
} catch (err) {
  exitOnStartupError(log, err);
}
