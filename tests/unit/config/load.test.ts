import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigError, envNameFor, loadConfig } from '../../../config/index.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'helix-config-'));

describe('loadConfig', () => {
  test('GIVEN nothing configured THEN embedded defaults load', () => {
    const { config, file } = loadConfig({ env: {}, cwd: dir() });
    expect(file).toBeUndefined();
    expect(config).toMatchObject({
      redis: { prefix: '{helix}', embedded: { enabled: true } },
      store: { dataDir: './data/pglite' },
      brain: { burst: { quietMs: 1_500 } },
      llm: { provider: 'auto' },
      web: { host: '127.0.0.1', port: 8080 },
    });
    expect(config.redis.url).toBeUndefined();
  });

  test('GIVEN a file, HELIX_ env overrides and an alias THEN env wins and strings become numbers/booleans', () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'helix.config.yaml'), 'web:\n  port: 9000\nbrain:\n  burst:\n    quietMs: 10\n');
    const { config } = loadConfig({
      cwd,
      env: { HELIX_WEB__PORT: '9100', HELIX_LLM__LOCAL__GPU: 'true', REDIS_URL: 'redis://10.0.0.1:6379', HELIX_BRAIN__BURST__MAX_MS: '50' },
    });
    expect(config.web.port).toBe(9100);
    expect(config.llm.local.gpu).toBe(true);
    expect(config.redis.url).toBe('redis://10.0.0.1:6379');
    expect(config.brain.burst).toMatchObject({ quietMs: 10, maxMs: 50 });
  });

  test('GIVEN empty variables (as compose writes them) THEN they count as unset', () => {
    const { config } = loadConfig({ cwd: dir(), env: { OPENAI_API_KEY: '', REDIS_URL: '', HELIX_WEB__PORT: '' } });
    expect(config.llm.openai.apiKey).toBeUndefined();
    expect(config.redis.url).toBeUndefined();
    expect(config.web.port).toBe(8080);
  });

  test('GIVEN the documented example config THEN it loads as is', () => {
    const { config } = loadConfig({ cwd: dir(), env: { HELIX_CONFIG: join(import.meta.dirname, '..', '..', '..', 'helix.config.example.yaml') } });
    expect(config.web.port).toBe(8080);
    expect(config.llm.provider).toBe('auto');
  });

  test('GIVEN a *_FILE secret THEN the value is read from the file and trimmed', () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'key.txt'), 'sk-test-123\n');
    const { config } = loadConfig({ cwd, env: { HELIX_LLM__OPENAI__API_KEY_FILE: 'key.txt', OPENAI_BASE_URL: 'http://127.0.0.1:1/v1' } });
    expect(config.llm.openai.apiKey).toBe('sk-test-123');
  });

  test('GIVEN bad values THEN one error names every key, what was wrong and the env var to set', () => {
    const err = (() => {
      try {
        loadConfig({ cwd: dir(), env: { HELIX_WEB__PORT: 'eighty', HELIX_LLM__PROVIDER: 'gpt' } });
      } catch (e) {
        return e;
      }
    })() as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.code).toBe('config_invalid');
    const text = err.problems.join('\n');
    expect(text).toMatch(/web\.port: .*"eighty".*HELIX_WEB__PORT/);
    expect(text).toMatch(/llm\.provider: .*"gpt"/);
  });

  test('GIVEN the console bound beyond loopback without a token THEN loading fails asking for web.accessToken', () => {
    expect(() => loadConfig({ cwd: dir(), env: { HELIX_WEB__HOST: '0.0.0.0' } })).toThrow(/web\.accessToken: required when web\.host is 0\.0\.0\.0/);
    expect(loadConfig({ cwd: dir(), env: { HELIX_WEB__HOST: '0.0.0.0', HELIX_WEB__ACCESS_TOKEN: 'a-long-enough-token' } }).config.web.accessToken).toBe('a-long-enough-token');
  });

  test('GIVEN an unknown HELIX_ key or a missing secret file THEN loading fails naming it', () => {
    expect(() => loadConfig({ cwd: dir(), env: { HELIX_WEB__PROT: '1' } })).toThrow(/HELIX_WEB__PROT: no config key web\.prot/);
    expect(() => loadConfig({ cwd: dir(), env: { DATABASE_URL_FILE: '/nope/secret' } })).toThrow(/DATABASE_URL_FILE: cannot read secret file/);
  });

  test('GIVEN a secret that is malformed THEN the error does not echo its value', () => {
    try {
      loadConfig({ cwd: dir(), env: { DATABASE_URL: 'mysql://root:hunter2@db/x' } });
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toContain('store.databaseUrl');
      expect((e as Error).message).not.toContain('hunter2');
    }
  });

  test('GIVEN a camelCase path THEN envNameFor gives the SNAKE env name', () => {
    expect(envNameFor(['llm', 'openai', 'apiKey'])).toBe('HELIX_LLM__OPENAI__API_KEY');
  });
});
