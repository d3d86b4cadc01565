// The Slack bot process: `npm run slack`. Wiring only: config, logger, the bot; ordered shutdown on signals.
import { DEFAULT_REDIS_URL, loadConfigOrExit } from '../../config/index.ts';
import { EXIT_CONFIG, createLogger, exitOnShutdown, exitOnStartupError, trimHeapWhenIdle } from '../../mesh/index.ts';
import { startSlackBot } from './slack-bot.ts';

const { config } = loadConfigOrExit(EXIT_CONFIG);
const log = createLogger('slack', config.log.level);
trimHeapWhenIdle(log);
process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));

if (!config.slack.botToken || !(config.slack.socketMode ? config.slack.appToken : config.slack.signingSecret)) {
  log.fatal(config.slack.socketMode
    ? 'slack.botToken and slack.appToken must both be set in socket mode (HELIX_SLACK__BOT_TOKEN_FILE, HELIX_SLACK__APP_TOKEN_FILE). See README, "Connecting Slack".'
    : 'slack.botToken and slack.signingSecret must both be set (HELIX_SLACK__BOT_TOKEN_FILE, HELIX_SLACK__SIGNING_SECRET_FILE). See README, "Connecting Slack".');
  process.exit(EXIT_CONFIG);
}

try {
  const bot = await startSlackBot({ config, redisUrl: config.redis.url ?? DEFAULT_REDIS_URL, log });
  exitOnShutdown(log, () => bot.close());
} catch (err) {
  exitOnStartupError(log, err);
}
