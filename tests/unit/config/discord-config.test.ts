import { describe, expect, test } from 'vitest';
import { shardOptions } from '../../../bots/discord/discord-client.ts';
import { ConfigError, loadConfig } from '../../../config/index.ts';

const load = (env: Record<string, string>) => loadConfig({ env, cwd: '/nonexistent' }).config;
const TOKEN = 'MTAwMDAwMDAwMDAwMDAwMDAx.fake.token-for-tests';

describe('discord config', () => {
  test('GIVEN no token THEN Discord is off with its defaults', () => {
    const { discord } = load({});
    expect(discord.token).toBeUndefined();
    expect(discord).toMatchObject({ apiUrl: 'https://discord.com/api', ownChannels: [], ignoreBots: true, shards: 'auto', shardIds: [], commandGuildIds: [], typingIntervalMs: 8_000, host: '127.0.0.1', port: 8092 });
  });

  test('GIVEN environment variables THEN lists come comma-separated and numbers as text', () => {
    const { discord } = load({
      DISCORD_TOKEN: TOKEN,
      HELIX_DISCORD__OWN_CHANNELS: '100000000000000001, 100000000000000002',
      HELIX_DISCORD__SHARDS: '4',
      HELIX_DISCORD__SHARD_IDS: '2,3',
      HELIX_DISCORD__IGNORE_BOTS: 'false',
    });
    expect(discord).toMatchObject({ token: TOKEN, ownChannels: ['100000000000000001', '100000000000000002'], shards: 4, shardIds: [2, 3], ignoreBots: false });
    expect(shardOptions(discord)).toEqual({ shards: [2, 3], shardCount: 4 });
    expect(shardOptions({ ...discord, shardIds: [] })).toEqual({ shards: [0, 1, 2, 3], shardCount: 4 });
    expect(shardOptions({ ...discord, shards: 'auto', shardIds: [] })).toEqual({ shards: 'auto' });
  });

  test.each([
    ['a channel that is not an id', { HELIX_DISCORD__OWN_CHANNELS: 'general' }, 'discord.ownChannels'],
    ['shard ids with shards auto', { HELIX_DISCORD__SHARD_IDS: '0' }, 'discord.shards'],
    ['a shard id beyond the total', { HELIX_DISCORD__SHARDS: '2', HELIX_DISCORD__SHARD_IDS: '1,2' }, 'discord.shardIds'],
    ['a shard count that is not a number', { HELIX_DISCORD__SHARDS: 'many' }, 'discord.shards'],
  ])('GIVEN %s THEN loading fails naming the key', (_name, env, key) => {
    let err: unknown;
    try {
      load(env);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.join('\n')).toContain(key);
  });
});
