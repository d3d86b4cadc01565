import { Client, GatewayIntentBits, Partials, type ClientOptions, type RateLimitData } from 'discord.js';
import type { HelixConfig } from '../../config/index.ts';

/**
 * Gateway intents: guilds (channels), guild messages, message content (privileged: switch it on in the
 * Developer Portal), DMs. @see https://discord.com/developers/docs/events/gateway#gateway-intents
 */
export const HELIX_INTENTS = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent, GatewayIntentBits.DirectMessages];

/** Which shards this process runs, as discord.js takes it. */
export function shardOptions(discord: HelixConfig['discord']): Pick<ClientOptions, 'shards' | 'shardCount'> {
  if (discord.shards === 'auto') return { shards: 'auto' };
  const ids = discord.shardIds.length ? [...discord.shardIds] : Array.from({ length: discord.shards }, (_, i) => i);
  return { shards: ids, shardCount: discord.shards };
}

/**
 * The discord.js client Helix runs. REST rejects on a rate limit instead of sleeping inside the call
 * (`rejectOnRateLimit`), so the delivery job fails with Retry-After and the queue's backoff waits it
 * out, where it is visible and survives a restart. `extra` is for tests (a no-op identify throttler).
 */
export function createDiscordClient(discord: HelixConfig['discord'], onRateLimit: (info: RateLimitData) => void, extra: Partial<ClientOptions> = {}): Client {
  return new Client({
    // Voice needs VOICE_STATE_UPDATE (who is in which channel, and the bot's own voice session id).
    intents: discord.voice.enabled ? [...HELIX_INTENTS, GatewayIntentBits.GuildVoiceStates] : HELIX_INTENTS,
    // DM channels are not cached before their first message arrives: without this, DMs are dropped.
    partials: [Partials.Channel],
    allowedMentions: { parse: ['users'], repliedUser: true },
    ...shardOptions(discord),
    ...extra,
    rest: {
      api: discord.apiUrl,
      // Called for every rate limit, a 429 or one discord.js sees coming: count it, then reject.
      rejectOnRateLimit: (info) => {
        onRateLimit(info);
        return true;
      },
      retries: 1,
      timeout: 15_000,
      ...extra.rest,
    },
  });
}

/** Payload types the guard lets through as labels; anything else is counted as `other`. */
const DISPATCH_NAME = /^[A-Z_]{1,48}$/;

/**
 * discord.js handles each gateway dispatch inside an async listener, so a malformed payload (a null
 * author, a string where an object belongs) becomes an unhandled rejection instead of being skipped.
 * This wraps the client's packet handler (an internal of discord.js 14, pinned in package.json) so such
 * a payload is logged, counted and skipped, and the gateway keeps serving every other guild.
 */
export function guardPacketHandling(client: Client, onBadPacket: (type: string, err: unknown) => void): void {
  const ws = client.ws as unknown as { handlePacket?: (packet: unknown, shard: unknown) => boolean };
  const original = ws.handlePacket;
  if (typeof original !== 'function') return;
  ws.handlePacket = function guarded(packet: unknown, shard: unknown): boolean {
    try {
      return original.call(this, packet, shard);
    } catch (err) {
      const t = (packet as { t?: unknown } | null)?.t;
      onBadPacket(typeof t === 'string' && DISPATCH_NAME.test(t) ? t : 'other', err);
      return false;
    }
  };
}
