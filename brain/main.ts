// The brain process: `npm run brain`. Wiring only: config, logger, store, model, then the turn loop; ordered shutdown on signals.
import { DEFAULT_REDIS_URL, loadConfig, loadPersona, ConfigError } from '../config/index.ts';
import { createLogger } from '../mesh/index.ts';
import { startBrain, openConfiguredStore } from './brain.ts';
import { selectProvider } from './llm/index.ts';

let loaded;
try {
  loaded = loadConfig({ env: process.env, cwd: process.cwd() });
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
}
const { config } = loaded;
const log = createLogger('brain', config.log.level);
process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));

const persona = loadPersona(config.persona.file);
const store = await openConfiguredStore(config, log);
const provider = await selectProvider(config.llm, { cwd: process.cwd(), log });
const brain = await startBrain({ config, redisUrl: config.redis.url ?? DEFAULT_REDIS_URL, log, provider, persona, store });

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    brain.close().then(() => process.exit(0), () => process.exit(1));
  });
}
