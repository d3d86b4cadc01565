// The brain process: `npm run brain`. Wiring only: config, logger, store, model, then the turn loop; ordered shutdown on signals.
import { DEFAULT_REDIS_URL, loadConfigOrExit, loadPersona } from '../config/index.ts';
import { EXIT_CONFIG, createLogger, exitOnShutdown, exitOnStartupError, trimHeapWhenIdle } from '../mesh/index.ts';
import { openConfiguredStore, startBrain } from './brain.ts';
import { selectProvider } from './llm/index.ts';

const { config } = loadConfigOrExit(EXIT_CONFIG);
const log = createLogger('brain', config.log.level);
trimHeapWhenIdle(log);
process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));

try {
  const persona = loadPersona(config.persona.file);
  const store = await openConfiguredStore(config, log);
  const provider = await selectProvider(config.llm, { cwd: process.cwd(), log });
  const brain = await startBrain({ config, redisUrl: config.redis.url ?? DEFAULT_REDIS_URL, log, provider, persona, store });
  exitOnShutdown(log, () => brain.close());
} catch (err) {
  exitOnStartupError(log, err);
}
