/** What other folders may use from `config/`. */
export { HelixConfig, DEFAULT_REDIS_URL } from './schema.ts';
export { loadConfig, loadConfigOrExit, envNameFor, ConfigError, ENV_ALIASES, type LoadConfigOptions, type LoadedConfig } from './load.ts';
export { Persona, Temperament, loadPersona, DEFAULT_PERSONA_FILE } from './persona.ts';
export { ElizaCharacter, isElizaCharacter, personaFromEliza } from './persona-eliza.ts';
export { OpsSection, OpsSeverity } from './ops-section.ts';
