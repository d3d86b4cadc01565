import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { HelixConfig } from './schema.ts';

/** Well-known environment names, mapped onto config paths (each also accepts `<NAME>_FILE`). */
export const ENV_ALIASES: Readonly<Record<string, string>> = {
  REDIS_URL: 'redis.url',
  DATABASE_URL: 'store.databaseUrl',
  OPENAI_API_KEY: 'llm.openai.apiKey',
  OPENAI_BASE_URL: 'llm.openai.baseUrl',
  OLLAMA_HOST: 'llm.ollama.baseUrl',
  DISCORD_TOKEN: 'discord.token',
};

const ENV_PREFIX = 'HELIX_';
const DEFAULT_FILE = 'helix.config.yaml';

/** A config that failed to load: one line per key with what was wrong and how to set it. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly code = 'config_invalid';
  readonly problems: readonly string[];
  constructor(problems: string[]) {
    super(`Helix configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

export interface LoadConfigOptions {
  /** Environment to read. @defaultValue `process.env` (only `main.ts` files pass it) */
  env: Readonly<Record<string, string | undefined>>;
  /** Directory the default config file and relative paths resolve against. */
  cwd: string;
}

/** The config and where it came from. */
export interface LoadedConfig {
  config: HelixConfig;
  /** The config file read, if any. */
  file: string | undefined;
}

/**
 * Loads the config: the YAML/JSON file (`HELIX_CONFIG`, else `./helix.config.yaml` if present),
 * then environment overrides (`HELIX_SECTION__KEY`, camelCase keys in SNAKE_CASE, e.g.
 * `HELIX_LLM__OPENAI__API_KEY`; plus {@link ENV_ALIASES}), then `*_FILE` secrets (any of those
 * names with `_FILE` reads the value from that file). Throws {@link ConfigError} naming every bad key.
 */
export function loadConfig(opts: LoadConfigOptions): LoadedConfig {
  const problems: string[] = [];
  const explicit = opts.env.HELIX_CONFIG;
  const file = explicit ? resolve(opts.cwd, explicit) : existsSync(resolve(opts.cwd, DEFAULT_FILE)) ? resolve(opts.cwd, DEFAULT_FILE) : undefined;
  let raw: Record<string, unknown> = {};
  if (file) {
    try {
      const parsed: unknown = parseYaml(readFileSync(file, 'utf8'));
      if (parsed !== null && parsed !== undefined) {
        if (typeof parsed !== 'object' || Array.isArray(parsed)) problems.push(`${file}: must be a mapping of sections (log, redis, store, ...)`);
        else raw = withoutNulls(parsed as Record<string, unknown>);
      }
    } catch (err) {
      problems.push(`${file}: cannot be read as YAML/JSON (${(err as Error).message}). Fix the file or unset HELIX_CONFIG.`);
    }
  }
  for (const [name, value] of Object.entries(opts.env)) {
    // An empty variable counts as unset (compose files write `${OPENAI_API_KEY:-}`).
    if (value === undefined || value === '') continue;
    const target = envTarget(name);
    if (!target) continue;
    let text = value;
    if (target.fromFile) {
      try {
        text = readFileSync(resolve(opts.cwd, value), 'utf8').trim();
      } catch (err) {
        problems.push(`${name}: cannot read secret file ${value} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
        continue;
      }
    }
    const leaf = leafSchema(target.path);
    if (!leaf) {
      problems.push(`${name}: no config key ${target.path.join('.')}; see README "Configuration" for the keys`);
      continue;
    }
    setPath(raw, target.path, coerce(text, leaf));
  }
  if (problems.length) throw new ConfigError(problems);
  const result = HelixConfig.safeParse(raw);
  if (!result.success) throw new ConfigError(result.error.issues.map((issue) => describeIssue(issue, raw)));
  return { config: result.data, file };
}

/** A key left empty in YAML (`persona:` with its lines commented out) means "use the default". */
function withoutNulls(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === null) continue;
    out[k] = v && typeof v === 'object' && !Array.isArray(v) ? withoutNulls(v as Record<string, unknown>) : v;
  }
  return out;
}

/** The environment variable that sets a config path, for messages and docs. */
export function envNameFor(path: readonly (string | number)[]): string {
  return ENV_PREFIX + path.map((p) => String(p).replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('__');
}

function envTarget(name: string): { path: string[]; fromFile: boolean } | undefined {
  const fromFile = name.endsWith('_FILE') && name !== 'HELIX_CONFIG_FILE';
  const base = fromFile ? name.slice(0, -'_FILE'.length) : name;
  const alias = ENV_ALIASES[base];
  if (alias) return { path: alias.split('.'), fromFile };
  if (!base.startsWith(ENV_PREFIX) || base === 'HELIX_CONFIG') return undefined;
  const path = base
    .slice(ENV_PREFIX.length)
    .split('__')
    .map((seg) => seg.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()));
  return { path, fromFile };
}

/** Walks the schema to the leaf a path names, so env strings become the right type. */
function leafSchema(path: readonly string[]): z.ZodType | undefined {
  let node: z.ZodType = unwrap(HelixConfig);
  for (const seg of path) {
    if (!(node instanceof z.ZodObject)) return undefined;
    const next = (node.shape as Record<string, z.ZodType>)[seg];
    if (!next) return undefined;
    node = unwrap(next);
  }
  return node instanceof z.ZodObject ? undefined : node;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let node: z.ZodType = schema;
  for (let i = 0; i < 10; i++) {
    const def = (node as unknown as { def: { type: string; innerType?: z.ZodType; in?: z.ZodType } }).def;
    if (def.innerType) node = def.innerType;
    else if (def.type === 'pipe' && def.in) node = def.in;
    else break;
  }
  return node;
}

function coerce(text: string, leaf: z.ZodType): unknown {
  if (leaf instanceof z.ZodNumber) {
    const n = Number(text);
    return text.trim() === '' || Number.isNaN(n) ? text : n;
  }
  if (leaf instanceof z.ZodBoolean) {
    const t = text.trim().toLowerCase();
    return ['true', '1', 'yes', 'on'].includes(t) ? true : ['false', '0', 'no', 'off'].includes(t) ? false : text;
  }
  return text;
}

function setPath(obj: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = obj;
  for (const seg of path.slice(0, -1)) {
    const next = node[seg];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[seg] = {};
    node = node[seg] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

function describeIssue(issue: z.core.$ZodIssue, raw: Record<string, unknown>): string {
  const key = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
  let got = '';
  let node: unknown = raw;
  for (const seg of issue.path) node = typeof node === 'object' && node !== null ? (node as Record<PropertyKey, unknown>)[seg as PropertyKey] : undefined;
  const secret = /key|token|secret|password|url/i.test(key);
  if (node !== undefined && typeof node !== 'object') got = secret ? ' (got a value of the wrong form)' : ` (got ${JSON.stringify(node)})`;
  const how = issue.code === 'unrecognized_keys' ? `remove ${issue.keys.join(', ')} from the config file` : `set it in the config file or with ${envNameFor(issue.path.filter((p): p is string | number => typeof p !== 'symbol'))}`;
  return `${key}: ${issue.message}${got}; ${how}`;
}

/**
 * Loads the config of a role process from its environment and working directory; on a bad config,
 * prints every problem and exits with `exitCode` (78, EX_CONFIG: the supervisor does not restart it).
 */
export function loadConfigOrExit(exitCode: number): LoadedConfig {
  try {
    return loadConfig({ env: process.env, cwd: process.cwd() });
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(err instanceof ConfigError ? exitCode : 1);
  }
}
