// The Discord bot process: `npm run discord`. Wiring only: config, logger, the bot; ordered shutdown on signals.
import { DEFAULT_REDIS_URL, loadConfigOrExit } from '../../config/index.ts';
import { EXIT_CONFIG, createLogger, exitOnShutdown, exitOnStartupError, trimHeapWhenIdle } from '../../mesh/index.ts';
import { configFailure, startDiscordBot } from './discord-bot.ts';

const { config } = loadConfigOrExit(EXIT_CONFIG);
const log = createLogger('discord', config.log.level);
trimHeapWhenIdle(log);
process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));

if (!config.discord.token) {
  log.fatal('discord.token is not set: create a bot in the Discord Developer Portal and set HELIX_DISCORD__TOKEN (or DISCORD_TOKEN_FILE). See README, "Connecting Discord".');
  process.exit(EXIT_CONFIG);
}

try {
  const bot = await startDiscordBot({ config, redisUrl: config.redis.url ?? DEFAULT_REDIS_URL, log });
  exitOnShutdown(log, () => bot.close());
} catch (err) {
  const why = configFailure(err);
  if (why) {
    log.fatal(why);
    process.exit(EXIT_CONFIG);
  }
  exitOnStartupError(log, err);
}
