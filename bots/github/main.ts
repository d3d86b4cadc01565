// The GitHub App bot process: `npm run github`. Wiring only: config, logger, the bot; ordered shutdown on signals.
import { DEFAULT_REDIS_URL, loadConfigOrExit } from '../../config/index.ts';
import { EXIT_CONFIG, createLogger, exitOnShutdown, exitOnStartupError, trimHeapWhenIdle } from '../../mesh/index.ts';
import { MISSING_CREDENTIALS, startGitHubBot } from './github-bot.ts';

const { config } = loadConfigOrExit(EXIT_CONFIG);
const log = createLogger('github', config.log.level);
trimHeapWhenIdle(log);
process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));

if (!config.github.appId || !config.github.privateKey || !config.github.webhookSecret) {
  log.fatal(MISSING_CREDENTIALS);
  process.exit(EXIT_CONFIG);
}

try {
  const bot = await startGitHubBot({ config, redisUrl: config.redis.url ?? DEFAULT_REDIS_URL, log });
  exitOnShutdown(log, () => bot.close());
} catch (err) {
  const status = (err as { status?: unknown }).status;
  if (status === 401 || status === 404) {
    log.fatal({ err: (err as Error).message }, 'GitHub refused the app credentials: check github.appId and github.privateKey (see README, "Connecting GitHub").');
    process.exit(EXIT_CONFIG);
  }
  exitOnStartupError(log, err);
}
